"""The demo engagement: synthetic survey and complaint data with known truth.

Everything is drawn from ``numpy.random.default_rng([seed, stream])`` with elementwise arithmetic
only (no BLAS/LAPACK call such as ``multivariate_normal``, whose SVD differs between builds), so the
same seed gives byte-identical files on every machine (``tests/test_demo_portable.py`` pins a hash). The truth (tier shares and satisfaction,
region effects, driver weights, complaint categories) is written to
``data/truth.json`` so tests can check that the playbooks recover it.

Model (per respondent *i* in region *r*, tier *k*)::

    z_ij     = √.3 · f_i + √.7 · e_ij,  f, e ~ N(0, 1)   (six latent service factors, Σ = 0.7 I + 0.3)
    S_i      = μ_k + δ_r + 9 · Σ_j w_rj z_ij / sd(Σ_j w_rj z_j) + ε_i,  ε ~ N(0, 5)
    item     = clip(round(3.3 + 0.1·(μ_k−75)/4 + 0.95·(λ z_ij + √(1−λ²) u)), 1, 5)   (6 − x if reverse-keyed)
    csat     = clip(round(1 + 4 S/100 + N(0, .45)), 1, 5);   nps = clip(round(S/10 + N(0, 1.2)), 0, 10)
    ces      = clip(round(7 − 6 S/100 + N(0, .8)), 1, 7);    overall = clip(round(S), 0, 100)

μ = 82 / 78 / 74 / 68 for platinum / gold / ordinary / potential (DOMAIN.md, doc 003),
tier shares 12 / 28 / 45 / 15 %, spend drawn log-uniformly inside each tier's band.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 3  # bump when the draws change: generate() redraws files written by another version
TIERS = ("platinum", "gold", "ordinary", "potential")
TIER_SHARE = {"platinum": 0.12, "gold": 0.28, "ordinary": 0.45, "potential": 0.15}
TIER_SAT = {"platinum": 82.0, "gold": 78.0, "ordinary": 74.0, "potential": 68.0}
TIER_SPEND = {"platinum": (50_001, 400_000), "gold": (10_000, 50_000),
              "ordinary": (1_000, 10_000), "potential": (100, 999)}
REGIONS = {  # name: (label zh, label en, n, satisfaction shift, driver weights tilt)
    "east": ("华东", "East China", 2000, 2.5, {"responsiveness": 0.10}),
    "south": ("华南", "South China", 1800, 0.0, {"reliability": 0.20}),
    "west": ("西部", "West", 1500, -4.0, {"value": 0.12}),
    "north": ("华北", "North China", 1600, -1.0, {"empathy": 0.08}),
}
BASE_WEIGHTS = {"responsiveness": 0.30, "reliability": 0.25, "empathy": 0.12,
                "assurance": 0.10, "tangibles": 0.05, "value": 0.18}
SCALES = {  # scale: items, reverse-keyed, loadings
    "responsiveness": (["resp1", "resp2", "resp3", "resp4"], ["resp4"], [0.80, 0.78, 0.75, 0.70]),
    "reliability": (["rel1", "rel2", "rel3", "rel4"], [], [0.80, 0.76, 0.74, 0.18]),  # rel4: the weak item
    "assurance": (["asr1", "asr2", "asr3"], [], [0.78, 0.74, 0.70]),
    "empathy": (["emp1", "emp2", "emp3"], ["emp3"], [0.78, 0.75, 0.68]),
    "tangibles": (["tan1", "tan2", "tan3"], [], [0.72, 0.70, 0.66]),
    "value": (["val1", "val2", "val3"], [], [0.80, 0.77, 0.72]),
}
KANO_FEATURES = ("fast_reply", "personal_advice", "proactive_alert")
CHANNELS = ("app", "store", "hotline", "web")
AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60+")
NEEDS = ("efficiency", "experience", "price")
TOUCHPOINTS = ("presale", "purchase", "delivery", "after_sales", "hotline", "app")

# Complaint templates: (fishbone category, documents' category, touchpoint, zh paraphrases, en paraphrases).
# The first zh / en text of each cause is the original template; the others are written from the cause the way
# customers write (colloquial, indirect, one or two clauses), not from the codebook's words, so the auto-coder's
# agreement with the truth on the demo is a measurement, not a wiring check (issue 18, item 6). Some of them
# still name the problem in everyday words (忙音, "sold out"), some name a neighbouring one (快递 in a tracking
# complaint), some stop at the situation ("Nobody ever picks up"). Those marked ~ are of the last kind: they hold
# no word of the service_fishbone codebook (tests/test_demo_paraphrases.py checks it), and OBLIQUE_SHARE of the
# complaints of a cause are drawn from them.
COMPLAINTS: list[tuple[str, str, str, tuple[str, ...], tuple[str, ...]]] = [
    ("people", "service_attitude", "hotline",
     ("客服态度冷淡，问了三遍才有人理我", "接线的那位爱答不理的，我说三句她才回一句",
      "~感觉对面根本不想帮我解决，翻来覆去就是一句“这个我们没办法”", "客服说话阴阳怪气的，好像我欠她钱一样",
      "~问个问题像被当成空气，憋了一肚子火"),
     ("The agent was cold and ignored me until I asked three times",
      "The woman I spoke to clearly couldn't be bothered with me",
      "~Felt like a nuisance for even asking, got one-word answers the whole time",
      "Agent was dismissive and kept cutting me off")),
    ("people", "service_attitude", "store",
     ("店员不耐烦，说话很冲，体验很差", "柜台那个小伙子全程翻白眼，多问两句就嫌烦",
      "~进门没人招呼，开口问一句还被怼回来", "导购脸色难看，像是我耽误她下班了", "在店里被店员呛了几句，再也不想去了"),
     ("Store staff were impatient and rude, terrible experience",
      "The guy at the counter rolled his eyes at every question",
      "~Shop assistant snapped at me when I asked for a different size",
      "Staff acted like I was wasting their time")),
    ("people", "service_attitude", "hotline",
     ("客服专业知识不足，问题解释不清楚", "~问了三个人，三个说法，到底听谁的", "~对方自己都没搞明白，还让我去问别人",
      "一问三不知，最后说帮我“反馈一下”就没下文了", "~接待的人连自家的型号都分不清"),
     ("Support agent lacked product knowledge and could not explain the issue",
      "~Three different people told me three different things",
      "The rep had to put me on hold to ask someone else, twice",
      "~Honestly he knew less about the thing than I did")),
    ("process", "service_attitude", "hotline",
     ("等了{n}天都没有人回复，响应太慢", "留言{n}天了，石沉大海", "~说好24小时内联系我，到现在一点动静都没有",
      "提交工单后就没下文了，催了{n}次也没用", "问题反映上去，拖了{n}天才有人联系"),
     ("Waited {n} days with no reply, response is far too slow",
      "~Emailed them {n} times and heard absolutely nothing back",
      "~Opened a ticket last week, it's sitting there unassigned",
      "They promised someone would call me back within 24 hours. That was {n} days ago.")),
    ("process", "after_sales", "after_sales",
     ("售后流程太繁琐，需要重复提交材料{n}次", "~同一张发票让我拍了{n}遍照片，每次都说看不清",
      "~填完一张表又来一张，光证明就要开三份", "修个手机跑了{n}趟，每趟都说缺材料",
      "跟皮球一样被推来推去，售后、门店、厂家各说各的"),
     ("After-sales process is cumbersome, had to resubmit documents {n} times",
      "~Sent the same receipt photo {n} times and they keep saying it's missing",
      "~Every department wants a different form filled in before they'll even look at it",
      "So much paperwork for a simple repair, it's ridiculous")),
    ("process", "after_sales", "after_sales",
     ("退款流程太长，{n}天了还没到账", "~钱到现在还没退回来，都{n}个礼拜了", "说好三到五个工作日，结果{n}天了卡里一分没见",
      "申请退款后客服就消失了", "~东西寄回去人家早签收了，我的钱呢？"),
     ("Refund takes forever, still not received after {n} days",
      "~Sent it back a month ago and I'm still out of pocket",
      "~They confirmed they received it back, but nothing's hit my card yet",
      "Where is my refund? {n} days and counting")),
    ("technology", "product_use", "app",
     ("App 经常闪退，无法下单", "一点付款就卡死，试了好几次都这样", "打开就白屏，只能卸了重装",
      "手机上根本点不进去，一直转圈转半天", "更新之后应用直接打不开了"),
     ("The app keeps crashing and I cannot place an order",
      "Checkout spins and then dumps me back on the home page",
      "Since the last update I can't even open it",
      "~Tried to check out three times and it froze every time")),
    ("technology", "after_sales", "delivery",
     ("物流信息{n}天没有更新，不知道包裹在哪", "单号一查还是一个礼拜前那条记录，后面一条都没更新过", "查单号一直停在同一个地方，{n}天了",
      "~东西到底发没发出去，谁也说不清", "~问了好几次我的货在哪儿，没人说得上来"),
     ("Tracking information not updated for {n} days, no idea where my parcel is",
      "The tracking page has said 'in transit' for a week, not a single scan since",
      "No idea where my order is, the page hasn't changed since Monday",
      "~Nobody can tell me where my stuff actually is")),
    ("technology", "product_use", "app",
     ("系统显示的库存和实际不一致，订单被取消", "页面上明明写着有货，付完钱第二天告诉我没货了", "下了单又说缺货，那为什么还让我买",
      "网站显示有现货，到店里却说早卖完了", "两边数据对不上，网上有货店里没有"),
     ("Stock shown in the system was wrong and my order got cancelled",
      "Said 'in stock' when I ordered, then two days later they told me it was sold out",
      "~Bought it, then got told it was never actually available",
      "Website says 12 left, the shop says they haven't had any for months")),
    ("product", "product_use", "purchase",
     ("收到的产品有质量问题，屏幕有坏点", "拆开就发现边框有划痕，这还是新机吗", "刚到手屏幕就有一条竖线",
      "开机没两天就黑屏了", "盒子里的东西是坏的，插上电没反应"),
     ("The product arrived defective with dead pixels on the screen",
      "There's a scratch right across the display, straight out of the box",
      "Arrived broken, won't even turn on",
      "~Half the buttons don't do anything")),
    ("product", "product_use", "purchase",
     ("电池用了{n}周就不行了，质量太差", "~充满电撑不到中午", "才买{n}个月，电池续航就只剩一半了",
      "~用着用着就发烫，然后自动关机", "电池鼓包了，{n}周前才买的"),
     ("Battery died after {n} weeks, poor quality",
      "Barely lasts a couple of hours on a full charge now",
      "The battery swells up and it gets really hot",
      "~Bought it in spring, by summer it was on its last legs")),
    ("price", "brand_trust", "presale",
     ("价格比别家贵，优惠活动规则不透明", "同样的东西隔壁便宜两百", "满减算下来一头雾水，最后付的比标的还多",
      "买完第二天就降价了，这价格说变就变", "网上看是一个价，结账又是另一个价"),
     ("Price is higher than competitors and the promotion rules are unclear",
      "~Same thing is two hundred cheaper down the road",
      "The 'sale' was basically the normal price with a sticker on it",
      "~Couldn't figure out how the buy-two-get-one thing actually worked at the till")),
    ("price", "brand_trust", "purchase",
     ("会员折扣说好的没有兑现，感觉被骗", "办卡的时候说打九折，结账时又说这件不参加", "生日券领了用不了，说是过期了",
      "攒了一年的积分，说清零就清零", "~充值时承诺的赠送金额一直没到"),
     ("The promised member discount was never applied, feels like a scam",
      "Signed up for the loyalty card for 10% off and never saw it once",
      "The birthday voucher they sent me was rejected at the till",
      "~They advertise perks for regulars, but I've never got a single one")),
    ("place", "service_attitude", "hotline",
     ("客服热线一直打不通，排队{n}分钟", "打了五次电话都是忙音", "~按了一圈数字键，最后又绕回语音菜单",
      "好不容易转到人工，说了两句就断了", "听了{n}分钟的音乐，最后自动挂断"),
     ("Could not get through to the hotline, queued for {n} minutes",
      "Listened to the same jingle for {n} minutes before it cut off",
      "~Nobody ever picks up",
      "~Pressed every option and never reached a person")),
    ("place", "service_attitude", "store",
     ("门店太少，最近的网点要开车{n}公里", "~整个区就一家，过去要倒两趟公交", "县城里根本没有你们的网点，只能跑到市里",
      "修个东西要去隔壁市，来回一天就没了", "附近那家关了以后，最近的也要{n}公里"),
     ("Too few stores, the nearest one is {n} km away",
      "Nearest branch is a {n}-mile drive",
      "~They closed the one in my town, now it's a whole afternoon trip",
      "~Had to take two buses just to get a repair looked at")),
    ("policy", "after_sales", "after_sales",
     ("退货政策不合理，拆封就不能退", "就撕了个塑封，说什么都不给退", "穿了一次发现尺码不对，说规定不让换",
      "七天无理由？我第三天去就被拒了", "东西没问题就不给退，那还写什么无理由退货"),
     ("Return policy is unfair, no returns once the box is opened",
      "They won't take it back because I opened the packaging",
      "Apparently 'unopened only', which you only find out after buying",
      "Exchanges aren't allowed on sale items, which nobody mentioned")),
    ("policy", "brand_trust", "after_sales",
     ("保修条款太苛刻，什么都不保", "才过保一天，修一下要几百块", "说是人为损坏不给修，我根本没摔过",
      "~小字里写了一堆例外，等于什么都不管", "延保花了钱，真出问题了又说不在保障范围内"),
     ("Warranty terms are so strict that nothing is covered",
      "Turned out the 'two-year cover' excludes basically everything that can go wrong",
      "They refused the repair because it was 'wear and tear'",
      "Paid for extended protection and they still wanted me to pay for parts")),
    ("environment", "brand_trust", "store",
     ("门店环境嘈杂，卫生也不好", "~店里音响开得震耳朵，说话都得喊", "试衣间地上都是灰",
      "一进门一股烟味，地也黏糊糊的", "~桌子上油乎乎的，没人收拾"),
     ("The store was noisy and not clean",
      "Music was so loud I couldn't hear the cashier",
      "Floor was sticky and the fitting rooms were filthy",
      "~Bins overflowing by the entrance, not a great first impression")),
]
# Share of complaints that describe the situation without naming the problem (the ~ texts): about what a codebook
# fitted to the client leaves uncoded on real complaints (the industry packs leave 3-7 %, docs/rootcause_packs.md;
# a codebook used as it comes, more).
OBLIQUE_SHARE = 0.10


def paraphrases(texts: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(texts that name the problem, texts marked ~ that only describe the situation), the marks removed."""
    return (tuple(t for t in texts if not t.startswith("~")), tuple(t[1:] for t in texts if t.startswith("~")))


# Each region's expected share of complaints per fishbone category: the truth the auto-coder is checked against.
# Process leads overall (documents 003: slow response 35 %, cumbersome after-sales 28 % of complaints); each region
# has its own story (east process, south technology, west people and place, north product). The first four
# categories of a region stand at least 5 points apart: with tied causes the true ranking is a coin toss of the
# draw and no coder could be checked on it. A category's share is split evenly among its complaint types.
COMPLAINT_MIX = {
    "east": {"process": .40, "people": .17, "technology": .11, "product": .07, "policy": .07, "place": .07,
             "price": .06, "environment": .05},
    "south": {"technology": .30, "process": .21, "people": .14, "product": .08, "price": .07, "policy": .07,
              "place": .07, "environment": .06},
    "west": {"people": .29, "process": .18, "place": .14, "technology": .09, "product": .08, "price": .08,
             "policy": .08, "environment": .06},
    "north": {"product": .26, "process": .20, "people": .14, "place": .09, "technology": .08, "price": .08,
              "policy": .08, "environment": .07},
}
PII_SNIPPETS = ["我的电话 13812345678", "联系邮箱 zhang.wei@example.com", "身份证号 110101199003071234",
                "call me at 138-1234-5678", "email me: li.na@example.cn"]


def _rng(seed: int, k: int):
    import numpy as np
    return np.random.default_rng([seed, k])


def region_weights(region: str) -> dict[str, float]:
    """True driver weights of a region (base weights tilted, normalised to sum 1)."""
    w = dict(BASE_WEIGHTS)
    for k, v in REGIONS[region][4].items():
        w[k] += v
    s = sum(w.values())
    return {k: v / s for k, v in w.items()}


def make_responses(region: str, seed: int, n: int | None = None, *, shift_delta: float = 0.0, stream: int = 0):
    """Survey responses of one region as a DataFrame (see module docstring for the model).

    ``shift_delta`` moves the region's satisfaction (a previous wave); ``stream`` selects an
    independent random stream for the same region (0 = the current wave).
    """
    import numpy as np
    import pandas as pd

    idx = list(REGIONS).index(region)
    rng = _rng(seed, idx + 1000 * stream)
    label_zh, _, n_default, shift, _ = REGIONS[region]
    shift += shift_delta
    n = n or n_default
    tiers = rng.choice(TIERS, size=n, p=[TIER_SHARE[t] for t in TIERS])
    mu = np.array([TIER_SAT[t] for t in tiers]) + shift
    k = len(SCALES)
    # one-factor structure, corr 0.3 between factors: no linear algebra, identical on every BLAS
    f = rng.standard_normal(n)
    e = rng.standard_normal((n, k))
    z = np.sqrt(0.3) * f[:, None] + np.sqrt(0.7) * e
    w = region_weights(region)
    wv = [w[s] for s in SCALES]
    lin = np.zeros(n)
    for j in range(k):                                   # elementwise, fixed order (no BLAS dot)
        lin = lin + z[:, j] * wv[j]
    # var(Σ w_j z_j) = 0.7 Σ w_j² + 0.3 (Σ w_j)²
    lin = lin / math.sqrt(0.7 * sum(v * v for v in wv) + 0.3 * sum(wv) ** 2)
    sat = mu + 9.0 * lin + rng.normal(0, 5, n)
    df = pd.DataFrame({"respondent_id": [f"{region[:1].upper()}{i + 1:05d}" for i in range(n)],
                       "region": region, "tier": tiers})
    lo_hi = np.array([TIER_SPEND[t] for t in tiers], dtype=float)
    spend = np.exp(rng.uniform(np.log(lo_hi[:, 0]), np.log(lo_hi[:, 1])))
    df["annual_spend"] = np.round(spend, 0)
    orders = np.maximum(1, rng.poisson(np.clip(np.log10(spend) * 3 - 5, 1, None)))
    df["orders_12m"] = orders
    df["aov"] = np.round(spend / orders, 1)
    df["repurchase_rate"] = np.round(np.clip(rng.beta(2, 3, n) + 0.08 * (sat - 75) / 10, 0, 1), 3)
    df["interactions_12m"] = rng.poisson(np.clip(2 + (sat - 60) / 8, 0.5, None))
    df["need_profile"] = rng.choice(NEEDS, size=n, p=[0.4, 0.35, 0.25])
    df["channel"] = rng.choice(CHANNELS, size=n, p=[0.45, 0.25, 0.15, 0.15])
    df["age_band"] = rng.choice(AGE_BANDS, size=n, p=[0.22, 0.3, 0.24, 0.14, 0.10])
    df["complaint_30d"] = (rng.random(n) < np.clip(0.35 - (sat - 60) / 100, 0.03, 0.6)).astype(int)
    tier_shift = 0.1 * (mu - 75) / 4
    for j, (scale, (items, reverse, loads)) in enumerate(SCALES.items()):
        for it, lam in zip(items, loads):
            x = 3.3 + tier_shift + 0.95 * (lam * z[:, j] + np.sqrt(1 - lam ** 2) * rng.normal(0, 1, n))
            x = np.clip(np.round(x), 1, 5)
            if it in reverse:
                x = 6 - x
            df[it] = x
        e = np.clip(np.round(3.9 + 0.2 * rng.normal(0, 1, n) + 0.5 * rng.normal(0, 1, n)), 1, 5)
        if scale != "value":
            df[f"exp_{scale}"] = e
    for f in KANO_FEATURES:
        df[f"kano_f_{f}"], df[f"kano_d_{f}"] = _kano_answers(rng, f, n)
    df["csat"] = np.clip(np.round(1 + 4 * sat / 100 + rng.normal(0, 0.45, n)), 1, 5)
    df["nps"] = np.clip(np.round(sat / 10 + rng.normal(0, 1.2, n)), 0, 10)
    df["ces"] = np.clip(np.round(7 - 6 * sat / 100 + rng.normal(0, 0.8, n)), 1, 7)
    df["overall"] = np.clip(np.round(sat), 0, 100)
    item_cols = [it for items, _, _ in SCALES.values() for it in items]
    # ~0.4% item non-response, 1% straightliners, a few incomplete questionnaires
    miss = rng.random((n, len(item_cols))) < 0.004
    vals = df[item_cols].to_numpy(dtype=float)
    vals[miss] = np.nan
    straight = rng.random(n) < 0.01
    vals[straight] = rng.integers(1, 6, size=(straight.sum(), 1))
    incomplete = rng.random(n) < 0.02
    vals[incomplete, len(item_cols) // 2:] = np.nan
    df[item_cols] = vals
    return df


PREVIOUS_WAVE = {"east": -3.0}        # region: satisfaction change from the previous wave to this one (negated)
RETEST = {"north": 300}               # region: respondents re-interviewed two weeks later


# Multi-wave tracking (03, cxkit.tracking): the earlier quarterly waves of one region, 300 respondents each, drawn
# from the region's model with satisfaction shifted by  slope · (t − T) − step · [wave ≤ step_after]  (t = 0 the
# first wave, T the current wave, which is the region's responses file): a gentle erosion with one step up after
# `step_after`. The truth lives here (truth.json keeps its bytes); each wave has its own random stream.
TRACKING = {"region": "north", "n": 300, "slope_per_wave": -0.3, "step": 6.0, "step_after": "2025Q2",
            "waves": ("2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4",
                      "2026Q1", "2026Q2"),
            "columns": ("respondent_id", "tier", "csat", "nps", "ces", "overall")}
TRACKING_STREAM = 2000             # make_responses(stream=TRACKING_STREAM + t): independent of every other draw


def tracking_shift(wave: str) -> float:
    """True satisfaction shift (0–100 points) of an earlier tracking wave against the current wave.

    >>> tracking_shift("2026Q2"), tracking_shift("2025Q3"), tracking_shift("2025Q2")
    (0.3, 1.2, -4.5)
    """
    waves = TRACKING["waves"]
    t, T = waves.index(wave), len(waves)
    before = t <= waves.index(TRACKING["step_after"])
    return round(TRACKING["slope_per_wave"] * (t - T) - (TRACKING["step"] if before else 0.0), 10)


def make_tracking_wave(wave: str, seed: int):
    """One earlier tracking wave of :data:`TRACKING`: the tracked columns only (id, tier for weighting, outcomes)."""
    t = TRACKING["waves"].index(wave)
    df = make_responses(TRACKING["region"], seed, TRACKING["n"], shift_delta=tracking_shift(wave),
                        stream=TRACKING_STREAM + t)
    df["respondent_id"] = [f"{TRACKING['region'][:1].upper()}{wave}-{i + 1:04d}" for i in range(len(df))]
    return df[list(TRACKING["columns"])]


def make_retest(region: str, seed: int, n: int = 300):
    """A second interview of the first ``n`` respondents: same true answers, retest noise N(0, 0.45) per scale item."""
    import numpy as np

    first = make_responses(region, seed).head(n).copy()
    rng = _rng(seed, 500 + list(REGIONS).index(region))
    items = [it for its, _, _ in SCALES.values() for it in its]
    vals = first[items].to_numpy(dtype=float)
    noisy = np.clip(np.round(vals + rng.normal(0, 0.45, vals.shape)), 1, 5)
    first[items] = np.where(np.isnan(vals), np.nan, noisy)
    return first  # the whole questionnaire again; only the scale answers carry retest noise


def _kano_answers(rng, feature: str, n: int):
    """Functional / dysfunctional answers (1 like, 2 must-be, 3 neutral, 4 live with, 5 dislike)."""
    import numpy as np
    # (functional, dysfunctional) pairs by intended category
    pairs = {"M": (2, 5), "O": (1, 5), "A": (1, 3), "I": (3, 3)}
    mix = {"fast_reply": [0.5, 0.3, 0.1, 0.1], "personal_advice": [0.15, 0.45, 0.25, 0.15],
           "proactive_alert": [0.1, 0.2, 0.5, 0.2]}[feature]
    cats = rng.choice(list(pairs), size=n, p=mix)
    f = np.array([pairs[c][0] for c in cats], dtype=float)
    d = np.array([pairs[c][1] for c in cats], dtype=float)
    noise = rng.random(n) < 0.15
    f[noise] = rng.integers(1, 6, noise.sum())
    return f, d


def make_complaints(region: str, seed: int, n: int | None = None):
    """Complaint verbatims of one region (80% Chinese, 20% English) with their true categories.

    Each complaint's cause is drawn from :data:`COMPLAINTS`, then one of the cause's paraphrases in the
    complaint's language, after every other draw of the region: with probability :data:`OBLIQUE_SHARE` one of
    those that only describe the situation (if the cause has any), otherwise one of those that name the problem,
    uniformly within the kind."""
    import numpy as np
    import pandas as pd

    idx = list(REGIONS).index(region)
    rng = _rng(seed, 100 + idx)
    n = n or {"east": 420, "south": 380, "west": 300, "north": 340}[region]
    mix = COMPLAINT_MIX[region]
    types = {cat: sum(c[0] == cat for c in COMPLAINTS) for cat in mix}
    base = np.array([mix[c[0]] / types[c[0]] for c in COMPLAINTS])
    pick = rng.choice(len(COMPLAINTS), size=n, p=base / base.sum())
    lang = np.where(rng.random(n) < 0.8, "zh", "en")
    pii = rng.random(n) < 0.05
    drawn = []                    # the draws of generator 2, in its order: number, PII snippet, tier
    for i in range(n):
        num = int(rng.integers(2, 15))
        snippet = PII_SNIPPETS[int(rng.integers(len(PII_SNIPPETS)))] if pii[i] else ""
        drawn.append((num, snippet, str(rng.choice(TIERS, p=list(TIER_SHARE.values())))))
    # the paraphrase of each complaint is drawn after every other draw, so ids, tiers, languages, numbers
    # and PII are those of generator 2 and only the wording changed
    oblique = rng.random(n) < OBLIQUE_SHARE
    options = []
    for k, lg, obl in zip(pick, lang, oblique):
        direct, indirect = paraphrases(COMPLAINTS[k][3] if lg == "zh" else COMPLAINTS[k][4])
        options.append(indirect if obl and indirect else direct)
    which = rng.integers(0, [len(o) for o in options])
    rows = []
    for i, (num, snippet, tier) in enumerate(drawn):
        cat, doc_cat, tp, _zh, _en = COMPLAINTS[pick[i]]
        text = options[i][int(which[i])].format(n=num)
        if snippet:
            text += ("，" if lang[i] == "zh" else ", ") + snippet
        rows.append((f"{region[:1].upper()}C{i + 1:04d}", tier, tp, lang[i], text, cat, doc_cat))
    return pd.DataFrame(rows, columns=["complaint_id", "tier", "touchpoint", "lang", "comment",
                                       "true_category", "true_doc_category"])


# Pilot (doc 003, notebook 07): 500 customers per tier in each group, before vs after 3 months.
# region: {tier: ((sat before, pilot after, control after), (complaint before, pilot after, control after))}.
# East platinum 82 → 91 and ordinary complaints 12% → 8% are the documents' figures; the rest are demo values.
PILOT_STREAM = 900
PILOT_PER_TIER = 500
PILOT_STORES = 20                       # stores per group and region (the cluster: pilots are run by store)
PILOT = {
    "east": {"platinum": ((82, 91, 83), (0.05, 0.04, 0.05)), "gold": ((78, 83, 79), (0.08, 0.06, 0.08)),
             "ordinary": ((74, 78, 75), (0.12, 0.08, 0.114)), "potential": ((68, 71, 69), (0.15, 0.13, 0.15))},
    "south": {"platinum": ((80, 91, 81), (0.05, 0.04, 0.05)), "gold": ((77, 82, 78), (0.09, 0.07, 0.09)),
              "ordinary": ((73, 77, 74), (0.14, 0.06, 0.136)), "potential": ((67, 70, 68), (0.16, 0.14, 0.16))},
    "west": {"platinum": ((76, 82, 77), (0.06, 0.05, 0.06)), "gold": ((74, 77, 75), (0.10, 0.09, 0.10)),
             "ordinary": ((70, 72, 71), (0.15, 0.134, 0.148)), "potential": ((64, 66, 65), (0.18, 0.17, 0.18))},
}


def _fix_sum(x, total: int, rng, lo: int = 0, hi: int = 100):
    """Move integer scores by ±1 at random positions (inside [lo, hi]) until they sum to ``total``."""
    import numpy as np

    diff = int(total - x.sum())
    while diff:
        step = 1 if diff > 0 else -1
        ok = np.flatnonzero(x < hi) if step > 0 else np.flatnonzero(x > lo)
        k = min(abs(diff), ok.size)
        x[rng.choice(ok, size=k, replace=False)] += step
        diff -= step * k
    return x


def make_pilot(seed: int):
    """The pilot file (one row per customer and period) whose cell means are exactly the figures of
    :data:`PILOT`: satisfaction 0–100 = tier mean + store effect N(0, 2) + customer effect N(0, 5) +
    N(0, 4), rounded, clipped and nudged by ±1 to the exact mean; complaints 0/1 with the exact count."""
    import numpy as np
    import pandas as pd

    rng = _rng(seed, PILOT_STREAM)
    n = PILOT_PER_TIER
    parts = []
    for region, tiers in PILOT.items():
        r0 = region[:1].upper()
        store_fx = rng.normal(0, 2, (2, PILOT_STORES))
        for tier, ((s0, s1p, s1c), (c0, c1p, c1c)) in tiers.items():
            for g, group in enumerate(("pilot", "control")):
                s1, c1 = (s1p, c1p) if group == "pilot" else (s1c, c1c)
                store = rng.integers(0, PILOT_STORES, n)
                base = store_fx[g][store] + rng.normal(0, 5, n)
                ids = [f"{r0}P{tier[:2].upper()}{g}{i + 1:04d}" for i in range(n)]
                for period, mu, c in (("before", s0, c0), ("after", s1, c1)):
                    sat = np.clip(np.round(mu + base + rng.normal(0, 4, n)), 0, 100).astype(int)
                    sat = _fix_sum(sat, int(round(mu * n)), rng)
                    comp = np.zeros(n, dtype=int)
                    comp[rng.permutation(n)[:int(round(c * n))]] = 1
                    parts.append(pd.DataFrame({
                        "region": region, "store": [f"{r0}{'PC'[g]}{s + 1:02d}" for s in store],
                        "customer_id": ids, "tier": tier, "group": group, "period": period,
                        "satisfaction": sat, "complaint": comp}))
    return pd.concat(parts, ignore_index=True)


def truth(seed: int) -> dict[str, Any]:
    """The known truth behind the demo data."""
    return {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "tier_share": TIER_SHARE,
        "tier_satisfaction_0_100": TIER_SAT,
        "region_shift": {r: v[3] for r, v in REGIONS.items()},
        "driver_weights": {r: region_weights(r) for r in REGIONS},
        "weak_item": "rel4",
        "reverse_items": [i for _, rev, _ in SCALES.values() for i in rev],
        "complaint_mix": COMPLAINT_MIX,
        "oblique_complaint_share": OBLIQUE_SHARE,
        "kano_intended": {"fast_reply": "M", "personal_advice": "O", "proactive_alert": "A"},
        "previous_wave_shift": PREVIOUS_WAVE,
        "retest": {"regions": RETEST, "item_noise_sd": 0.45},
    }


def generate(engagement_dir: str | Path, seed: int | None = None, *, force: bool = False) -> list[Path]:
    """Write the demo data files under ``engagement_dir/data`` (skips files already present unless ``force``).

    The seed defaults to the one in ``engagement.yaml``. Returns the paths written.
    """
    from .config import load_yaml

    root = Path(engagement_dir)
    if seed is None:
        seed = int(load_yaml(root / "engagement.yaml").get("seed", 20261122))
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    tp = data / "truth.json"
    truth_text = json.dumps(truth(seed), ensure_ascii=False, indent=2, sort_keys=True)
    if tp.exists() and tp.read_text(encoding="utf-8") != truth_text:
        force = True  # another seed or generator version: every file is redrawn
    written = []
    for region in REGIONS:
        for kind, fn in (("responses", make_responses), ("complaints", make_complaints)):
            p = data / f"{region}_{kind}.csv"
            if p.exists() and not force:
                continue
            fn(region, seed).to_csv(p, index=False, encoding="utf-8")
            written.append(p)
    extra = [(f"{r}_previous_responses.csv", lambda r=r, d=d: make_responses(r, seed, shift_delta=d, stream=1))
             for r, d in PREVIOUS_WAVE.items()]
    extra += [(f"{r}_retest.csv", lambda r=r, n=n: make_retest(r, seed, n)) for r, n in RETEST.items()]
    extra.append(("pilot.csv", lambda: make_pilot(seed)))
    extra += [(f"{TRACKING['region']}_wave_{w}.csv", lambda w=w: make_tracking_wave(w, seed)) for w in TRACKING["waves"]]
    for name, fn in extra:
        p = data / name
        if force or not p.exists():
            fn().to_csv(p, index=False, encoding="utf-8")
            written.append(p)
    if force or not tp.exists():
        tp.write_text(truth_text, encoding="utf-8")
        written.append(tp)
    return written
