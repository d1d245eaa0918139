"""One Rego unit test and its result: what the runner and its engine back ends share."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TestCase", "TestResult", "PASS", "FAIL", "ERROR", "SKIP"]

PASS, FAIL, ERROR, SKIP = "PASS", "FAIL", "ERROR", "SKIPPED"


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest test class

    package: str
    rule: str
    file: str
    line: int

    @property
    def name(self) -> str:
        return f"data.{self.package}.{self.rule}"

    @property
    def skipped(self) -> bool:
        return self.rule.startswith("todo_")


@dataclass
class TestResult:
    __test__ = False  # not a pytest test class

    case: TestCase
    status: str
    duration_s: float | None = 0.0  # None: evaluated in a batch (OPA), no time of its own
    message: str = ""

    def line(self) -> str:
        took = f" ({_duration(self.duration_s)})" if self.status != SKIP and self.duration_s is not None else ""
        return f"{self.case.name}: {self.status}{took}"


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    return f"{seconds:.2f}s"
