"""The report's words in Chinese and English, and numbers written for each language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .._html import fmt_number
from .._validation import check_option

__all__ = ["LANGS", "Words", "default_lang", "has_cjk", "resolve_lang"]

#: The report languages.
LANGS = ("zh", "en")

_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "营销方案",
        "report_for": "营销方案：《{title}》",
        "film_id": "影片编号",
        "summary": "概要",
        "audience": "目标受众",
        "users": "{n} 人",
        "seeds": "种子用户",
        "seeds_cost": "{n} 人 · 成本 {cost}",
        "reach": "预计触达",
        "ci": "95% 置信区间 {lo} – {hi}",
        "ci95": "95% 置信区间",
        "lift_top_degree": "相对粉丝最多用户的提升",
        "lift_random": "相对随机用户的提升",
        "cost_per_user": "每触达一人的成本",
        "holdout": "对照组（不投放）",
        "holdout_of": "受众 {n} 人中的 {h} 人",
        "calibration": "传播概率",
        "calibrated": "已用本平台行为日志校准",
        "uncalibrated": "未校准（教科书默认值）",
        "calibrated_auto": "已用本平台行为日志校准：回测选用 {m} × {f}",
        "calibrated_fixed": "已用本平台行为日志学得（{m}，未回测）",
        "backtest": "传播概率的回测",
        "backtest_note": (
            "在行为日志最后 {n} 段（每段占 {h} 的行为）上，用每段之前的日志学习各估计方法，"
            "再预测该段的新增观看者。下表为最近一段的结果：预测/实际 = 校准前预测的新增观看者"
            "与实际之比（1 为准确），Brier 分数越低越好，AUC 越高越好。选用的方法乘以"
            "各段校准系数的几何平均（带 +delays 的方法按日志中的传播延迟为每次接触计时；"
            "其余方法先按日志最近的行为速度折算各段系数）；全过程只用过去的数据。"
        ),
        "backtest_failed": "无法回测（{r}），使用 Bernoulli 估计，未乘校准系数。",
        "estimator": "估计方法",
        "pred_obs": "预测/实际",
        "brier": "Brier 分数",
        "auc": "AUC",
        "factor": "最近一段的校准系数",
        "chosen": "选用",
        "uncalibrated_banner": (
            "未校准：传播概率是教科书默认值，并非从本平台的行为日志中学得；在真实数据上，"
            "这类默认值会把口碑传播的触达高估数倍。请把触达人数当作相对分数来读，"
            "或用 from_logs() 建立模型。"
        ),
        "charts": "图表",
        "chart_steps": "各策略的传播曲线",
        "chart_steps_note": "阴影：95% 置信带（{b} 批模拟的批均值）；触达已达最终值 99.5% 之后的平稳段不画出",
        "step": "传播步数",
        "reached": "触达人数",
        "chart_seeds": "触达人数与种子数",
        "chart_seeds_note": "阴影：95% 置信带；各策略在同一批模拟世界上比较",
        "n_seeds": "种子数",
        "budget": "预算",
        "chart_gain": "每多一个种子的边际增益",
        "chart_gain_note": "误差线：95% 置信区间；增益低处即追加预算不再划算之处",
        "gain": "边际增益（人）",
        "chart_lift": "本方案种子相对基线的提升",
        "chart_lift_note": "误差线：95% 置信区间；虚线 = 无提升（1 倍）",
        "ratio": "触达倍数",
        "chart_interests": "受众兴趣",
        "chart_interests_note": "受众看过的影片中各类型与标签出现的次数",
        "films_watched": "观看影片数",
        "genres": "类型",
        "tags": "标签",
        "details": "明细",
        "strategy": "策略",
        "plan": "本方案种子",
        "top_degree": "粉丝最多的用户",
        "random": "随机用户",
        "mean": "平均",
        "n_runs": "模拟次数",
        "baseline": "基线",
        "lift": "提升",
        "seed": "种子",
        "user": "用户",
        "cost": "成本",
        "cum_cost": "累计预算",
        "gain_per_cost": "每单位预算的增益",
        "field": "字段",
        "value": "取值",
        "count": "次数",
        "search": "搜索可见性",
        "kind": "查询类型",
        "query": "查询",
        "rank": "前 10 名中的排名",
        "not_found": "未出现",
        "method": "方法与参数",
        "model": "传播模型",
        "seed_method": "选种方法",
        "audience_source": "受众来源",
        "after_launch": "上线之后",
        "after_launch_text": (
            "对照组的 {h} 人从未被投放。上线后比较投放组与对照组的观看率"
            "（filmreco.campaign.measure），即可得出营销活动的实际增量。"
        ),
        "generated": "由 filmreco {version} 生成",
        "x": "{r} 倍",
        "compare_title": "方案比较",
        "label": "方案",
        "film": "影片",
        "beyond_seeds": "种子之外的口碑触达",
        "per_seed": "每个种子的触达",
        "marginal": "最后一个种子每单位预算的增益",
        "vs_ref": "与「{ref}」之差",
        "common_worlds": "所有方案在同一批 {n} 个模拟世界上比较（公共随机数），差值的置信区间因此只反映方案之差。",
        "not_common": "各方案的社交网络不同，无法共用模拟世界；差值的置信区间包含全部模拟噪声。",
        "most_wom": "口碑传播最强（各用前 {m} 个种子）",
        "wom_sub": "种子之外触达 {n} 人（{m} 个种子）",
        "wom_at": "前 {m} 个种子的口碑触达（种子之外）",
        "chart_compare": "各方案的触达与预算",
        "chart_diff": "与参照方案的触达差",
        "diff": "触达差（人）",
        "sweep_title": "预算扫描",
    },
    "en": {
        "title": "Campaign plan",
        "report_for": "Campaign plan: 《{title}》",
        "film_id": "film id",
        "summary": "Summary",
        "audience": "Audience",
        "users": "{n} users",
        "seeds": "Seeds",
        "seeds_cost": "{n} users · cost {cost}",
        "reach": "Expected reach",
        "ci": "95% CI {lo} – {hi}",
        "ci95": "95% CI",
        "lift_top_degree": "Lift over top-degree users",
        "lift_random": "Lift over random users",
        "cost_per_user": "Cost per reached user",
        "holdout": "Holdout (never targeted)",
        "holdout_of": "{h} of {n} audience users",
        "calibration": "Influence probabilities",
        "calibrated": "calibrated on this platform's action log",
        "uncalibrated": "uncalibrated (textbook defaults)",
        "calibrated_auto": "calibrated on this platform's action log: back-test chose {m} × {f}",
        "calibrated_fixed": "learned from this platform's action log ({m}, no back-test)",
        "backtest": "Back-test of the influence probabilities",
        "backtest_note": (
            "Each estimator learned on the action log before each of its last {n} folds "
            "({h} of its actions each) and forecast the new adopters in the fold. The table "
            "shows the most recent fold: predicted / observed new adopters before "
            "calibration (1 is exact), Brier score (lower is better) and AUC (higher is "
            "better). The chosen estimator is multiplied by the folds' pooled factors (rows "
            "marked +delays time each exposure with the log's own delays; the others carry "
            "each fold's factor to the log's latest pace of actions); only the past was used."
        ),
        "backtest_failed": (
            "The back-test was not possible ({r}); Bernoulli estimates are used, without a "
            "calibration factor."
        ),
        "estimator": "estimator",
        "pred_obs": "predicted / observed",
        "brier": "Brier score",
        "auc": "AUC",
        "factor": "latest fold's factor",
        "chosen": "chosen",
        "uncalibrated_banner": "",
        "charts": "Charts",
        "chart_steps": "Reach curve per strategy",
        "chart_steps_note": (
            "band: 95% interval (batch means of {b} batches of runs); the flat tail after "
            "every strategy is within 0.5% of its final reach is not drawn"
        ),
        "step": "propagation step",
        "reached": "users reached",
        "chart_seeds": "Reach against the number of seeds",
        "chart_seeds_note": "band: 95% interval; every strategy on the same simulated worlds",
        "n_seeds": "number of seeds",
        "budget": "budget",
        "chart_gain": "Marginal gain of each extra seed",
        "chart_gain_note": "bars: 95% interval; where the gain falls, more budget stops paying",
        "gain": "marginal gain (users)",
        "chart_lift": "Lift of the plan's seeds",
        "chart_lift_note": "bars: 95% interval; dashed line = no lift (1x)",
        "ratio": "reach ratio",
        "chart_interests": "Audience interests",
        "chart_interests_note": "genres and tags of the films the audience watched",
        "films_watched": "films watched",
        "genres": "genre",
        "tags": "tag",
        "details": "Details",
        "strategy": "strategy",
        "plan": "plan's seeds",
        "top_degree": "top-degree users",
        "random": "random users",
        "mean": "mean",
        "n_runs": "simulations",
        "baseline": "baseline",
        "lift": "lift",
        "seed": "seed",
        "user": "user",
        "cost": "cost",
        "cum_cost": "budget spent",
        "gain_per_cost": "gain per unit of budget",
        "field": "field",
        "value": "value",
        "count": "count",
        "search": "Search visibility",
        "kind": "query kind",
        "query": "query",
        "rank": "rank in the top 10",
        "not_found": "not found",
        "method": "Method and parameters",
        "model": "propagation model",
        "seed_method": "seed selection",
        "audience_source": "audience source",
        "after_launch": "After launch",
        "after_launch_text": (
            "The {h} holdout users are never targeted. After launch, compare their adoption "
            "with the treated users' (filmreco.campaign.measure) to measure the campaign's "
            "real uplift."
        ),
        "generated": "generated by filmreco {version}",
        "x": "{r}x",
        "compare_title": "Comparing plans",
        "label": "plan",
        "film": "film",
        "beyond_seeds": "word-of-mouth reach beyond the seeds",
        "per_seed": "reach per seed",
        "marginal": "last seed's gain per unit of budget",
        "vs_ref": "difference from {ref}",
        "common_worlds": (
            "Every plan is simulated on the same {n} worlds (common random numbers), so the "
            "intervals of the differences reflect the plans, not the noise."
        ),
        "not_common": (
            "The plans use different social graphs, so they cannot share simulated worlds; "
            "the intervals of the differences carry the full simulation noise."
        ),
        "most_wom": "Most word of mouth (first {m} seeds each)",
        "wom_sub": "{n} users reached beyond {m} seeds",
        "wom_at": "word of mouth of the first {m} seeds (beyond them)",
        "chart_compare": "Reach against budget, per plan",
        "chart_diff": "Reach difference from the reference plan",
        "diff": "difference (users)",
        "sweep_title": "Budget sweep",
    },
}


def has_cjk(texts: Iterable[Any]) -> bool:
    """Whether any of `texts` holds a Chinese (CJK) character."""
    return any(_CJK.search(str(t)) for t in texts)


def default_lang(texts: Iterable[Any]) -> str:
    """``"zh"`` when the catalogue text (titles, genres, tags) is Chinese, else ``"en"``."""
    return "zh" if has_cjk(texts) else "en"


def resolve_lang(lang: Any, texts: Iterable[Any]) -> str:
    """`lang` checked against :data:`LANGS`, or the default from `texts` when None."""
    if lang is None:
        return default_lang(texts)
    return str(check_option(lang, LANGS, "lang"))


class Words:
    """The report's words in one language; numbers formatted for it.

    Examples
    --------
    >>> w = Words("zh")
    >>> w("reach"), w.users(12345)
    ('预计触达', '12,345 人')
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._table = _WORDS[lang]

    def __call__(self, key: str, **kw: Any) -> str:
        text = self._table[key]
        return text.format(**kw) if kw else text

    def num(self, x: float, digits: int = 0) -> str:
        """`x` with thousands separators (both languages group by three: 12,345.6)."""
        return fmt_number(x, digits)

    def users(self, x: float, digits: int = 0) -> str:
        return self("users", n=self.num(x, digits))

    def ratio(self, r: float) -> str:
        return self("x", r=self.num(r, 2))

    def ci(self, lo: float, hi: float, digits: int = 1) -> str:
        return self("ci", lo=self.num(lo, digits), hi=self.num(hi, digits))
