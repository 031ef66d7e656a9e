"""A small invented film catalogue for the search tests (no real data is used)."""

from __future__ import annotations

import copy

import pytest

from filmreco.search import SearchIndex

FILMS = [
    {
        "id": "f01",
        "title": "星海漫游",
        "aliases": ["Star Sea Odyssey"],
        "directors": ["高远"],
        "actors": ["林晓", "陈默"],
        "genres": ["科幻", "冒险"],
        "year": 2019,
        "region": "中国大陆",
        "description": "宇航员林远在一次深空任务中迷失于星海，他必须找到回家的航线。",
    },
    {
        "id": "f02",
        "title": "星海漫游2：归途",
        "aliases": [],
        "directors": ["高远"],
        "actors": ["林晓"],
        "genres": ["科幻"],
        "year": 2023,
        "region": "中国大陆",
        "description": "林远终于踏上归途，飞船却在小行星带遭遇风暴。",
    },
    {
        "id": "f03",
        "title": "雾都侦探",
        "aliases": ["Fog City Detective"],
        "directors": ["阿瑟·柯南"],
        "actors": ["约翰·华生", "玛丽·摩斯坦"],
        "genres": ["悬疑", "犯罪"],
        "year": 2015,
        "region": "英国",
        "description": "伦敦大雾之夜，一名侦探追查连环失踪案的真相。",
    },
    {
        "id": "f04",
        "title": "长城守卫",
        "aliases": [],
        "directors": ["赵山河"],
        "actors": ["吴刚", "周雪"],
        "genres": ["动作", "历史"],
        "year": 2016,
        "region": "中国大陆",
        "description": "边关将士守卫长城，抵御来自北方的怪兽。",
    },
    {
        "id": "f05",
        "title": "银行家的女儿",
        "aliases": [],
        "directors": ["钱多多"],
        "actors": ["周雪"],
        "genres": ["剧情"],
        "year": 2008,
        "region": "中国香港",
        "description": "一位银行家的女儿在金融风暴中寻找父亲留下的秘密。",
    },
    {
        "id": "f06",
        "title": "他们",
        "aliases": [],
        "directors": ["孙一"],
        "actors": ["李四"],
        "genres": ["剧情"],
        "year": 2012,
        "region": "中国台湾",
        "description": "三个年轻人在小镇上度过了最后一个夏天。",
    },
    {
        "id": "f07",
        "title": "家",
        "aliases": [],
        "directors": ["孙一"],
        "actors": ["王小明"],
        "genres": ["家庭"],
        "year": 2001,
        "region": "中国台湾",
        "description": "一个大家庭在除夕夜团聚。",
    },
    {
        "id": "f08",
        "title": "龍門飛甲",
        "aliases": [],
        "directors": ["徐克难"],
        "actors": ["吴刚"],
        "genres": ["武侠", "动作"],
        "year": 2011,
        "region": "中国香港",
        "description": "龍門客棧風雲再起，各路高手齊聚大漠。",
    },
    {
        "id": "f09",
        "title": "猫与少年",
        "aliases": [],
        "directors": ["高远"],
        "actors": ["王小明"],
        "genres": ["动画", "家庭"],
        "year": 2020,
        "region": "日本",
        "description": "一只会说话的猫陪伴少年度过孤独的暑假。",
    },
    {
        "id": "f10",
        "title": "夜行列车",
        "aliases": ["Night Train"],
        "directors": ["赵山河"],
        "actors": ["陈默"],
        "genres": ["惊悚"],
        "year": 2018,
        "region": "韩国",
        "description": "一列深夜列车上，乘客接连消失，列车员发现了可怕的真相。",
    },
    {
        "id": "f11",
        "title": "海边的钢琴",
        "aliases": [],
        "directors": ["钱多多"],
        "actors": ["林晓"],
        "genres": ["剧情", "音乐"],
        "year": 2010,
        "region": "意大利",
        "description": "一位钢琴师在海边小城教孩子们弹琴。",
    },
    {
        "id": "f12",
        "title": "机械心跳",
        "aliases": ["Mechanical Heartbeat"],
        "directors": ["高远"],
        "actors": ["陈默", "周雪"],
        "genres": ["科幻", "爱情"],
        "year": 2021,
        "region": "中国大陆",
        "description": "机器人工程师爱上了自己设计的机器人。",
    },
]


def films() -> list[dict]:
    """A fresh deep copy of the catalogue."""
    return copy.deepcopy(FILMS)


@pytest.fixture
def records() -> list[dict]:
    return films()


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(synonyms={"星海2": "星海漫游2"}).fit(films())
