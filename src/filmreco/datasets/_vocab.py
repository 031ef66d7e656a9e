"""Vocabularies for the synthetic Chinese film world (private; used by ``_synthetic``).

Every list here was written for filmreco: the titles, plots and people they produce are
invented. Common surnames and genre names are ordinary words, not taken from any dataset.
Most lists are written as one space-separated string and split with :func:`_words`.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# genres ------------------------------------------------------------------------------
#: genre -> relative frequency in the catalogue
GENRES: dict[str, float] = {
    "剧情": 10, "喜剧": 8, "爱情": 7, "动作": 7, "惊悚": 5, "悬疑": 5, "犯罪": 5,
    "科幻": 5, "奇幻": 4, "冒险": 4, "动画": 4, "家庭": 4, "恐怖": 3, "战争": 3,
    "历史": 3, "武侠": 3, "传记": 2, "音乐": 2, "纪录片": 2, "灾难": 2,
}  # fmt: skip

# tags -> the genres they usually come with ---------------------------------------------
TAGS: dict[str, tuple[str, ...]] = {
    "时间旅行": ("科幻", "奇幻"), "太空": ("科幻", "冒险"), "人工智能": ("科幻", "惊悚"),
    "外星人": ("科幻", "冒险"), "末日": ("科幻", "灾难"), "赛博朋克": ("科幻", "动作"),
    "平行宇宙": ("科幻", "奇幻"), "机器人": ("科幻", "动画"), "青春": ("爱情", "剧情"),
    "校园": ("爱情", "喜剧"), "初恋": ("爱情", "剧情"), "婚姻": ("家庭", "剧情"),
    "异地恋": ("爱情",), "暗恋": ("爱情", "喜剧"), "复仇": ("动作", "犯罪"),
    "卧底": ("犯罪", "动作"), "黑帮": ("犯罪", "动作"), "连环杀手": ("惊悚", "悬疑"),
    "密室": ("悬疑", "惊悚"), "反转": ("悬疑", "惊悚"), "推理": ("悬疑", "犯罪"),
    "警匪": ("犯罪", "动作"), "劫案": ("犯罪", "动作"), "越狱": ("犯罪", "惊悚"),
    "间谍": ("动作", "惊悚"), "特工": ("动作", "冒险"), "功夫": ("动作", "武侠"),
    "江湖": ("武侠",), "侠客": ("武侠", "历史"), "宫廷": ("历史", "剧情"),
    "古装": ("历史", "武侠"), "王朝": ("历史", "战争"), "抗战": ("战争", "历史"),
    "二战": ("战争", "历史"), "军旅": ("战争", "剧情"), "英雄主义": ("战争", "动作"),
    "亲情": ("家庭", "剧情"), "成长": ("剧情", "家庭"), "父子": ("家庭", "剧情"),
    "母爱": ("家庭", "剧情"), "小镇": ("剧情", "家庭"), "乡村": ("剧情", "喜剧"),
    "都市": ("爱情", "剧情"), "职场": ("喜剧", "剧情"), "治愈": ("动画", "家庭"),
    "友情": ("喜剧", "冒险"), "公路": ("冒险", "喜剧"), "荒诞": ("喜剧",),
    "黑色幽默": ("喜剧", "犯罪"), "鬼怪": ("恐怖", "奇幻"), "灵异": ("恐怖", "悬疑"),
    "丧尸": ("恐怖", "灾难"), "怪兽": ("灾难", "科幻"), "魔法": ("奇幻", "动画"),
    "神话": ("奇幻", "动画"), "童话": ("动画", "奇幻"), "动物": ("动画", "纪录片"),
    "自然": ("纪录片",), "美食": ("纪录片", "喜剧"), "真实事件": ("传记", "历史"),
    "体育": ("传记", "剧情"), "音乐梦想": ("音乐", "剧情"), "乐队": ("音乐", "喜剧"),
    "舞蹈": ("音乐", "爱情"), "海难": ("灾难", "冒险"), "地震": ("灾难", "剧情"),
    "寻宝": ("冒险", "动作"), "荒野求生": ("冒险", "纪录片"),
}  # fmt: skip

# regions: weight, naming style, genres they lean to ------------------------------------
REGIONS: dict[str, tuple[float, str, tuple[str, ...]]] = {
    "中国大陆": (30, "cn", ("剧情", "喜剧", "战争", "历史")),
    "中国香港": (8, "cn", ("动作", "犯罪", "武侠", "喜剧")),
    "中国台湾": (5, "cn", ("爱情", "剧情", "家庭")),
    "美国": (25, "west", ("科幻", "动作", "冒险", "动画")),
    "日本": (8, "jp", ("动画", "恐怖", "家庭")),
    "韩国": (7, "kr", ("爱情", "犯罪", "惊悚")),
    "英国": (5, "west", ("剧情", "传记", "悬疑")),
    "法国": (4, "west", ("爱情", "剧情", "喜剧")),
    "德国": (2, "west", ("战争", "剧情")),
    "意大利": (2, "west", ("剧情", "家庭")),
    "西班牙": (1, "west", ("悬疑", "惊悚")),
    "加拿大": (1, "west", ("科幻", "恐怖")),
}

# person names ---------------------------------------------------------------------------
CN_SURNAMES = _words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 高 罗 郑 梁 谢 宋 唐 许 韩 冯 "
    "邓 曹 彭 曾 萧 田 董 潘 袁 蔡 蒋 余 于 杜 叶 程 魏 苏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 "
    "陆 汪 范 金 石 廖 贾 夏 韦 方 白 邹 孟 熊 秦 邱 江 尹 薛 段 雷 侯 龙 史 陶 黎 贺 顾 "
    "毛 郝 龚 邵 万 钱 严 武 戴 莫 孔 向 汤 欧阳 司马 上官 诸葛 慕容 端木"
)
CN_GIVEN = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 晨 宇 轩 浩 然 欣 怡 "
    "梓 涵 雨 萱 思 远 嘉 俊 博 文 昊 天 一 诺 安 琪 若 曦 星 逸 凡 志 国 建 华 玉 兰 春 "
    "秋 冬 雪 梅 海 波 山 峰 云 青 松 柏 清 泉 晓 亮 光 辉 琳 瑶 珊 婷 颖 蕾 薇 佳 悦 乐 "
    "心 宁 默 言 川 航 野 舟 墨 朗 岚 茜 彤 骁 铭 泽 睿 霖 毅 诚"
)
JP_SURNAMES = _words(
    "山本 田中 佐藤 铃木 高桥 渡边 伊藤 中村 小林 加藤 吉田 山田 松本 井上 木村 清水 "
    "山口 池田 桥本 石川 前田 藤田 冈田 后藤 村上 近藤 坂本 远藤 青木 西村 福田 三浦 "
    "藤原 松田 中川 原田 小野 竹内 和田 中山 石井 上田 森田 柴田 酒井 宫本 内田 高木"
)
JP_GIVEN = _words(
    "健太 大辅 翔太 拓也 直树 雄一 浩二 和也 由美 美咲 爱子 千寻 葵 结衣 惠 明日香 "
    "优子 真理子 阳菜 凛 莲 苍 隼人 亮介 悠斗 诚 久美 早苗 纱织 光 奈奈 弘树 达也 春香"
)
KR_SURNAMES = _words("金 李 朴 崔 郑 姜 赵 尹 张 林 韩 吴 徐 申 权 黄 安 宋 柳 全 洪 文 梁 孙")
KR_GIVEN = _words(
    "敏 俊 贤 秀 智 允 熙 浩 成 宇 在 炫 恩 惠 珍 珠 英 美 娜 妍 夏 率 书 荣 勋 承 泰 泫 "
    "秀 雅 善 民 旭 彬 娥 贞"
)
# invented transliterations: given = head + (mid) + tail, surname = 2-4 syllables
WEST_GIVEN_HEAD = _words(
    "艾 安 奥 巴 贝 本 布 查 达 丹 迪 多 埃 伊 弗 格 哈 亨 杰 卡 凯 克 拉 莱 利 琳 路 马 "
    "米 莫 娜 尼 诺 帕 皮 瑞 罗 萨 塞 索 特 托 维 沃 温 亚 约 泽"
)
WEST_GIVEN_MID = _words("丽 里 尼 维 莉 瑟 斯 洛 米 德 兰 贝")
WEST_GIVEN_TAIL = _words("德 尔 恩 斯 克 娜 莉 拉 丝 特 森 顿 丽 文 伦 蒙 妮 西 亚 安 奥 卡")
WEST_SURNAME = _words(
    "霍 卡 哈 布 威 莫 斯 范 德 马 罗 汤 怀 肯 兰 格 弗 佩 里 巴 尔 林 森 默 维 普 克 兹 "
    "伯 特 曼 茨 顿 金 利 沃 科 纳 塔"
)

# title fragments with an English gloss (for the English-title alias) --------------------
#: fragment -> English gloss ("_" stands for a space)
TITLE_A: dict[str, str] = dict(
    pair.split("=")
    for pair in (
        "星辰=Stars 城市=City 午夜=Midnight 夏天=Summer 海洋=Ocean 沙漠=Desert 雪国=Snowland "
        "迷雾=Mist 烈火=Fire 孤岛=Island 月光=Moonlight 黎明=Dawn 黄昏=Dusk 风暴=Storm "
        "钢铁=Steel 幻影=Phantom 时间=Time 记忆=Memory 天空=Sky 长夜=Long_Night 青春=Youth "
        "江湖=Rivers_and_Lakes 边境=Frontier 深海=Deep_Sea 银河=Galaxy 末日=Doomsday "
        "南方=South 北国=North 旧城=Old_Town 玫瑰=Rose 白夜=White_Night 灰烬=Ashes "
        "荒原=Wasteland 雨季=Rainy_Season 冰川=Glacier 森林=Forest 山河=Mountains_and_Rivers "
        "梦境=Dream 镜子=Mirror 暗夜=Dark_Night 光年=Light-Year 火星=Mars 天使=Angel "
        "彼岸=Far_Shore 故乡=Hometown 远方=Horizon 地下=Underground 红色=Red 蓝色=Blue "
        "少年=Youngster 春天=Spring 秋天=Autumn 冬日=Winter 港口=Harbour 铁轨=Railway "
        "夜空=Night_Sky 烟火=Fireworks 霓虹=Neon 晨曦=Daybreak 云端=Cloud"
    ).split()
)
TITLE_B: dict[str, str] = dict(
    pair.split("=")
    for pair in (
        "约定=Promise 猎人=Hunter 秘密=Secret 传说=Legend 守护者=Guardian 旅人=Traveller "
        "信使=Messenger 誓言=Oath 迷宫=Labyrinth 回声=Echo 囚徒=Prisoner 追踪=Pursuit "
        "审判=Judgement 密码=Code 王座=Throne 边缘=Edge 尽头=End 救赎=Redemption "
        "奇迹=Miracle 告白=Confession 情书=Love_Letter 游戏=Game 列车=Train 使命=Mission "
        "归途=Way_Home 来客=Visitor 幸存者=Survivor 心跳=Heartbeat 之门=Gate 战士=Warrior "
        "舞者=Dancer 少女=Girl 侦探=Detective 杀手=Assassin 英雄=Hero 女王=Queen 国王=King "
        "骑士=Knight 幽灵=Ghost 童话=Fairy_Tale 日记=Diary 花园=Garden 灯塔=Lighthouse "
        "城堡=Castle 远征=Expedition 觉醒=Awakening 逃亡=Escape 狂想曲=Rhapsody "
        "往事=Bygone_Days 故事=Story 假期=Holiday 行动=Operation 计划=Project 风筝=Kite "
        "信号=Signal 钥匙=Key 指南针=Compass 倒影=Reflection"
    ).split()
)
#: (Chinese pattern, English pattern); {a}/{A} from TITLE_A, {b}/{B}, {b2}/{B2} from TITLE_B
TITLE_PATTERNS: tuple[tuple[str, str, float], ...] = (
    ("{a}之{b}", "The {B} of {A}", 4.0),
    ("{a}{b}", "{A} {B}", 5.0),
    ("{a}的{b}", "{A}'s {B}", 3.0),
    ("最后的{b}", "The Last {B}", 0.6),
    ("{b}与{b2}", "The {B} and the {B2}", 1.0),
    ("寻找{a}", "Finding {A}", 0.6),
    ("{a}{year}", "{A} {year}", 0.6),
)
#: sequel suffixes: (Chinese, English)
SEQUELS: tuple[tuple[str, str], ...] = (
    ("{t}2", "{e} 2"), ("{t}3", "{e} 3"), ("{t}：归来", "{e}: The Return"),
    ("{t}：重生", "{e}: Rebirth"), ("{t}：觉醒", "{e}: Awakening"), ("{t}：终章", "{e}: Finale"),
    ("{t}前传", "{e}: Origins"), ("新{t}", "New {e}"),
)  # fmt: skip

# plot text --------------------------------------------------------------------------------
ROLES = _words(
    "退休警探 年轻程序员 落魄画家 高中生 女记者 乡村教师 出租车司机 外科医生 天才少女 "
    "过气歌手 宇航员 小镇邮差 富家千金 卧底警察 考古学家 失意作家 退伍军人 私家侦探 "
    "餐馆老板 流浪歌手 实习律师 武馆弟子 古董商人 钟表匠 飞行员 舞蹈演员 拳击手 "
    "图书管理员 摄影师 船长 厨师 大学教授 魔术师 保安 外卖骑手"
)
PLACES = _words(
    "一座海边小城 老城区的弄堂 深山里的古寺 废弃的工厂 繁华的都市 边境小镇 午夜的列车上 "
    "一家老电影院 大学校园 雪山脚下 江南水乡 沙漠绿洲 一座孤岛 旧书店 霓虹闪烁的街头"
)
OBJECTS = _words(
    "一封旧信 一张泛黄的照片 一把钥匙 一台旧相机 一本日记 一块怀表 一枚戒指 一盘录音带 "
    "一张藏宝图 一只断线的风筝 一部老手机 一幅未完成的画"
)
EVENTS = _words("阴谋 风波 冒险 危机 追逐 骗局 较量 意外 考验 误会")
GOALS = _words(
    "找回失去的记忆 拯救家人 揭开父亲失踪的真相 完成一次不可能的任务 赢得最后的比赛 "
    "守护这座城市 兑现多年前的承诺 找到回家的路 洗清自己的冤屈 重新站上舞台"
)
THEMES = _words("爱 勇气 成长 自由 家 宽恕 友情 命运 梦想 孤独 信任 牺牲 时间 希望 告别")
TIMES = _words(
    "某个雨夜 一个寻常的早晨 多年以后 新年前夕 战火纷飞的年代 不远的未来 一百年前 "
    "那年夏天 一个大雪纷飞的冬天 毕业前夕"
)
DEADLINES = _words("七天 七十二小时 天亮之前 下一次月圆之前 一个月 二十四小时")

#: genre -> (places, objects, events) that fit it; mixed with the generic lists above
GENRE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    g: (_words(p), _words(o), _words(e))
    for g, p, o, e in (
        (
            "科幻",
            "空间站 火星基地 星际飞船 地下实验室",
            "一枚能量核心 一段外星信号 一台时间机器",
            "星际危机 时空错乱",
        ),
        (
            "爱情",
            "街角咖啡馆 海边民宿 樱花大道 旧唱片店",
            "一封情书 一张电影票 一条围巾",
            "爱恋 重逢",
        ),
        (
            "喜剧",
            "菜市场 婚礼现场 综艺节目后台 家庭聚会",
            "一张彩票 一只走失的鹦鹉 一箱假钞",
            "乌龙事件 闹剧",
        ),
        (
            "动作",
            "码头仓库 高速公路 摩天大楼顶层 地下拳场",
            "一只黑色手提箱 一份机密文件 一枚芯片",
            "追杀 火拼",
        ),
        (
            "悬疑",
            "雾中的庄园 封闭的山庄 深夜的医院 一座古宅",
            "一具无名尸体 一段监控录像 一张神秘纸条",
            "连环谜案 失踪案",
        ),
        (
            "惊悚",
            "无人的公寓楼 荒郊旅馆 地下停车场",
            "一盘诡异的录像带 一部无法关机的手机",
            "噩梦 猎杀",
        ),
        ("恐怖", "废弃的医院 山村老宅 午夜的学校", "一个旧娃娃 一面古镜 一张符纸", "诅咒 怪事"),
        (
            "犯罪",
            "赌场 地下钱庄 港口货轮 城中村",
            "一袋赃款 一本账簿 一把左轮手枪",
            "黑帮火并 金融骗局",
        ),
        (
            "动画",
            "魔法森林 云朵王国 海底小镇 玩具工厂",
            "一颗会说话的种子 一顶魔法帽 一只纸飞机",
            "奇妙旅程 大冒险",
        ),
        (
            "奇幻",
            "龙之谷 失落的王国 镜中世界 浮空岛",
            "一把上古神剑 一本魔法书 一颗龙蛋",
            "神魔之战 魔法对决",
        ),
        (
            "冒险",
            "热带雨林 无人沙漠 冰封峡谷 远古遗迹",
            "一张古老地图 一只罗盘 一枚金币",
            "寻宝之旅 绝境求生",
        ),
        (
            "纪录片",
            "青藏高原 长江源头 非洲草原 深海海沟",
            "一台摄影机 一本科考笔记",
            "迁徙 四季变迁",
        ),
        (
            "战争",
            "前线战壕 沦陷的城市 山谷阵地 野战医院",
            "一份作战地图 一枚军功章 一封家书",
            "血战 突围",
        ),
        (
            "历史",
            "紫禁城 古丝绸之路 江南书院 边关要塞",
            "一道密旨 一方玉玺 一卷古籍",
            "宫廷政变 变法风云",
        ),
        (
            "家庭",
            "老房子 年夜饭桌 乡下外婆家 医院病房",
            "一本全家福相册 一只旧皮箱",
            "家庭风波 团圆",
        ),
        (
            "武侠",
            "江湖客栈 华山之巅 竹林深处 镖局",
            "一本武功秘籍 一把断剑 一块令牌",
            "武林大会 江湖恩怨",
        ),
        ("传记", "训练场 纺织厂 老实验室 小剧场", "一枚奖牌 一份手稿", "传奇人生 逆袭"),
        (
            "音乐",
            "地下酒吧 音乐学院 街头广场 录音棚",
            "一把旧吉他 一张黑胶唱片 一首未完成的歌",
            "音乐比赛 巡演",
        ),
        ("灾难", "沿海城市 核电站 地铁隧道 火山脚下", "一份预警报告 一台卫星电话", "海啸 大地震"),
        ("剧情", "工厂宿舍 县城中学 老街理发店", "一张旧车票 一封录取通知书", "人生转折 抉择"),
    )
}

#: sentence templates; fields: hero, hero_name, other, place, object, event, goal, theme,
#: time, deadline, tag, tag2
PLOT_OPENERS = (
    "{hero}在{place}意外发现了{object}，从此卷入一场{event}。",
    "为了{goal}，{hero}踏上了前往{place}的旅程。",
    "{time}，{hero}在{place}遇见了{other}，两人的命运从此交织在一起。",
    "一场{event}打破了{place}的平静，{hero}必须在{deadline}内找到{object}。",
    "{hero}收到一封来自{place}的神秘来信，信中提到了{object}。",
    "{time}，在{place}，{hero}与{other}为了{goal}展开了一场较量。",
    "{hero}隐藏多年的秘密，因为{object}的出现而被揭开。",
    "当{event}席卷{place}，{hero}和{other}不得不联手求生。",
)
PLOT_FOLLOWERS = (
    "{other}的出现让一切变得更加扑朔迷离。",
    "在这个过程中，{hero_name}逐渐明白了{theme}的意义。",
    "然而，真正的对手远比想象中更接近。",
    "随着真相一步步浮出水面，{hero_name}发现自己早已身在局中。",
    "这是一个关于{tag}与{theme}的故事。",
    "{hero_name}必须在{theme}与责任之间做出选择。",
    "影片以{tag}为主线，讲述了一段关于{theme}的旅程。",
)
GENRE_SENTENCES = (
    "本片是一部{region}{genre}片，融合了{tag}与{tag2}元素。",
    "影片融合{genres}元素，围绕{tag}展开。",
    "这部{genre}作品以{tag}为题材，探讨了{theme}。",
)
CAST_SENTENCE = "由{director}执导，{actors}主演。"
