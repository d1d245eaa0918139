"""Chinese (simplified and traditional; negation precedes the verb)."""

from gate.signals.terms.lexicon.base import Lexicon

_CONSENT = r"(?:许可|許可|同意|授权|授權|批准)"
# "…的行为属于违规行为", "…被视为侵权": stating that an act is a violation forbids it. A
# copula is required: a bare "违规" is as often the operator's ("自动识别违规内容").
_IS = r"(?:属于|屬於|构成|構成|视为|視為|即为|即為|均属|均屬|认定为|認定為)"
_VIOLATION = r"(?:违规|違規|违约|違約|侵权|侵權|违法|違法|违反|違反|不正当|不正當)"

LEXICON = Lexicon(
    code="zh",
    script="zh",
    auto=(
        r"机器人", r"機器人", r"爬虫", r"爬蟲", r"蜘蛛", r"抓取", r"爬取", r"采集", r"採集", r"自动", r"自動",
        r"脚本", r"腳本", r"搜索引擎", r"搜尋引擎", r"(?<![a-z])api(?![a-z])", r"开放接口", r"開放接口", r"批量", r"网络存档", r"網路存檔", r"robots\.txt",
    ),
    tdm=(r"文本(?:和|与|與|及)?数据挖掘", r"數據探勘", r"数据挖掘", r"資料探勘", r"tdm", r"文本挖掘"),
    ai=(r"人工智能", r"人工智慧", r"(?<![a-z])ai(?![a-z])", r"机器学习", r"機器學習", r"训练", r"訓練", r"大语言模型", r"大模型",
        r"语言模型", r"生成式", r"深度学习"),
    prohibit=(r"禁止", r"严禁", r"嚴禁", r"不得", r"不允许", r"不允許", r"不准", r"请勿", r"請勿", r"切勿", r"违反", r"拒绝", r"拒絕",
              r"未经授权", r"未經授權", rf"{_IS}[^，。；]{{0,8}}?{_VIOLATION}"),
    restrict_modal=(r"不能", r"不应", r"不應", r"不要", r"不可", r"同意不", r"应避免", r"應避免", r"避免使用",
                    r"(?:承诺|承諾|保证|保證)不", r"不会(?:使用|利用|采用)", r"不會(?:使用|利用|採用)"),
    need_consent=(rf"未[经經].{{0,12}}?{_CONSENT}", rf"(?:需|须|需要|必须|必須)(?:事先)?(?:获得|取得|经过|獲得).{{0,8}}?{_CONSENT}"),
    reserve=(r"保留", r"反对", r"反對", r"选择退出", r"不同意", r"不授权", r"不授權"),
    permit=(r"允许", r"允許", r"欢迎", r"歡迎", r"准许", r"方可", r"自由", r"请使用", r"請使用", r"请通过", r"可供"),
    modal=(r"可以", r"能够", r"能夠"),
    api=(r"公开api", r"公開api", r"api", r"开放接口", r"開放接口"),
    allow_negated=(r"并不禁止", r"並不禁止", r"不禁止", r"未禁止", r"没有禁止", r"不限制",
                   rf"(?:不|并不|並不)(?:被)?{_IS}[^，。；]{{0,8}}?{_VIOLATION}"),
    # the operator as subject, not as owner ("我们的授权": our consent)
    self_=(r"我们(?!的)", r"我們(?!的)", r"本公司(?!的)", r"我司(?!的)"),
    condition=(r"除非", r"除.{0,20}?(?:外|以外)", r"只要", r"前提下", r"如果", r"如需", r"若", r"情况下"),
    only=(r"仅", r"僅", r"只有", r"只能", r"方可", r"才"),
    consent=(rf"{_CONSENT}",),
    negation=(r"不", r"未", r"没有", r"無", r"无", r"非", r"勿"),
)
