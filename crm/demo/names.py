"""Realistic Chinese personal names for demo data, deterministic for a given random generator."""

from __future__ import annotations

import random

# The most common surnames, roughly by frequency, so names look like a real population.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国建华志强志明海燕婷雪梅慧"
    "欣怡子涵浩然宇轩梓萱一诺欣然思远晨曦佳琪雨桐嘉怡俊杰文博天佑泽宇若曦诗涵雅静晓东晓明国庆永刚卫东春梅秋菊"
)


def chinese_name(rng: random.Random) -> str:
    """A surname and a one- or two-character given name (two characters more often, as in the population)."""
    surname = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    length = 2 if rng.random() < 0.7 else 1
    return surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(length))
