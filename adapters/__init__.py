"""Integrations, installed as `gate.adapters.*`: requests, httpx, Scrapy and Playwright.

Each adapter imports its framework lazily and turns a deny into the framework's own
refusal. This folder is packaged as `gate.adapters`; it is never a top-level `adapters`.
"""
