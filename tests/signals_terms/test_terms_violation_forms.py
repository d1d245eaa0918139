"""Stating that an act is a violation forbids it ("…属于违规行为", "…は利用規約違反となります"),
and the same statement negated permits it; a bare word for violation in the operator's
own description of its tools stays a mention. None of these sentences is in the labelled set.
"""

from __future__ import annotations

import pytest

from gate.signals.terms import MENTION, OTHER, PERMISSION, PROHIBITION, TDM_RESERVATION, classify_sentence

P, T, A, M, O = PROHIBITION, TDM_RESERVATION, PERMISSION, MENTION, OTHER  # noqa: E741

CASES = [
    ("zh", P, "利用爬虫大量下载本站图片的，视为严重违约。"),
    ("zh", P, "以机器人程序刷新页面的行为，构成违法行为。"),
    ("zh", P, "批量抓取会员资料即属于侵犯本公司权益的违规行为。"),
    ("zh", T, "擅自将本站数据用于人工智能训练的，均属侵权行为。"),
    ("zh", A, "通过搜索引擎爬虫索引公开页面并不属于违规行为。"),
    ("zh", A, "使用本站开放接口获取行情数据不构成违约。"),
    ("zh", M, "我们使用自动化系统识别违规内容和违法交易。"),
    ("zh", O, "发布虚假广告的行为属于违规行为。"),
    ("ja", P, "クローラーで本サイトの画像を一括取得することは、本規約に違反する行為となります。"),
    ("ja", P, "ボットを用いた自動投稿は、規約違反に該当します。"),
    ("ja", P, "スクレイピングツールによるデータの取得は、不正な利用とみなします。"),
    ("ja", T, "記事を機械学習の学習データに用いることは、本規約違反とします。"),
    ("ja", A, "検索エンジンのクローラーによる巡回は、本規約違反とはなりません。"),
    ("ja", M, "当社は、自動化されたシステムで規約違反の投稿を検出しています。"),
    ("ja", O, "他人になりすます行為は、本規約違反となります。"),
]


@pytest.mark.parametrize("lang,label,sentence", CASES, ids=[f"{c[0]}-{i}-{c[1]}" for i, c in enumerate(CASES)])
def test_violation_forms(lang: str, label: str, sentence: str) -> None:
    assert classify_sentence(sentence, lang).label == label
    assert classify_sentence(sentence).label == label  # the language detected from the sentence
