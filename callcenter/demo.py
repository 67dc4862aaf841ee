"""Demo knowledge base: a dozen articles agents would read out at a 10000-hotline, linked to reason codes if any."""

from __future__ import annotations

from crm.demo.engine import SeedContext, demo_step

from .models import KnowledgeArticle, KnowledgeCategory, ReasonCategory

CATEGORIES = [("products", "产品", 10), ("tariffs", "资费", 20), ("fault-scripts", "障碍处理话术", 30)]

# category, title, keywords, text, codes of the reasons it answers (migration 0003; a top code covers its details)
ARTICLES = [
    (
        "fault-scripts",
        "宽带无法上网排查话术",
        "断网 上不了网 光猫 LOS 红灯",
        "1. 安抚客户：“您好，给您带来不便非常抱歉，我来帮您排查一下。”\n"
        "2. 查询是否欠费停机、是否在区域故障（障碍公告）范围内；在范围内则告知预计恢复时间，不再派单。\n"
        "3. 请客户查看光猫指示灯：LOS 灯红色闪烁为光路中断，直接派障碍单；PON 灯不亮同样派单。\n"
        "4. 指示灯正常时，请客户将光猫和路由器断电 1 分钟后重启，并用网线直连电脑测试。\n"
        "5. 仍无法上网：核实装机地址和联系电话，派障碍单，告知“装维人员将在 24 小时内与您联系”。",
        ["flt-broadband-down"],
    ),
    (
        "fault-scripts",
        "宽带网速慢处理话术",
        "网速慢 卡顿 测速 WiFi",
        "1. 请客户使用网线直连电脑，在 测速网 进行测速，记录下载速率。\n"
        "2. 直连速率达到签约带宽 80% 以上：说明线路正常，多为 WiFi 信号或终端问题，建议调整路由器位置、使用 5G 频段。\n"
        "3. 直连速率明显不足：查询端口是否异常，派障碍单并备注测速结果。\n"
        "4. 如客户长期需要更高带宽，可介绍光宽带 500M/1000M 提速办理。",
        ["flt-broadband-slow", "cmp-network-slow"],
    ),
    (
        "fault-scripts",
        "IPTV 无信号处理",
        "天翼高清 机顶盒 电视 无信号 黑屏",
        "1. 确认电视信号源已切换到机顶盒所接的 HDMI/AV 通道。\n"
        "2. 检查机顶盒电源灯和网络灯；网络灯不亮时检查机顶盒与光猫 IPTV 口之间的网线。\n"
        "3. 机顶盒断电重启，等待 3 分钟。\n"
        "4. 出现“错误代码 1302/1305”等提示时记录代码，派 IPTV 障碍单。\n"
        "5. 宽带同时中断时按《宽带无法上网排查话术》处理。",
        ["flt-iptv-nosignal"],
    ),
    (
        "fault-scripts",
        "手机无信号或无法通话处理",
        "没信号 打不了电话 5G 基站",
        "1. 查询是否欠费停机、是否在基站故障影响范围内。\n"
        "2. 请客户重启手机、开关飞行模式，检查是否误关闭移动数据或设置了呼叫转移。\n"
        "3. 换卡槽或将卡插入其他手机测试；卡损坏请客户携带身份证到营业厅免费补卡。\n"
        "4. 固定地点长期信号弱：记录详细地址和楼层，提交网络覆盖投诉单。",
        ["cmp-network-signal"],
    ),
    (
        "tariffs",
        "天翼畅享套餐资费说明",
        "畅享 5G 套餐 月租 流量 通话",
        "天翼畅享系列 5G 套餐（月租含国内流量和通话）：\n"
        "· 59 元：国内流量 30GB，国内通话 200 分钟；\n"
        "· 89 元：国内流量 60GB，国内通话 500 分钟；\n"
        "· 129 元：国内流量 100GB，国内通话 1000 分钟；\n"
        "· 199 元：国内流量 200GB，国内通话 2000 分钟。\n"
        "套餐外流量 3 元/GB，套餐外通话 0.15 元/分钟。当月办理按天折算，次月 1 日起全额生效；降档次月生效。",
        ["inq-tariff-plan"],
    ),
    (
        "tariffs",
        "融合套餐资费说明",
        "融合 宽带 IPTV 手机 固话 家庭",
        "融合套餐将手机、宽带、IPTV（和固话）合并计费：\n"
        "· 融合 129 元：手机 59 元档 + 300M 宽带 + IPTV；\n"
        "· 融合 169 元：手机 89 元档 + 500M 宽带 + IPTV；\n"
        "· 融合 229 元：手机 129 元档 + 1000M 宽带 + IPTV + 固话。\n"
        "融合套餐内宽带不单独拆机；解除融合需先变更为单产品套餐。",
        ["inq-tariff-plan"],
    ),
    (
        "tariffs",
        "话费账单疑问解释话术",
        "账单 扣费 话费 多扣 查询",
        "1. 核实身份后，按账单明细逐项说明：月租、套餐外流量、套餐外通话、增值业务、代收费。\n"
        "2. 对不认可的增值业务（如彩铃、会员包）：查询订购渠道和时间；确属客户未授权订购的，按规定退订并退费。\n"
        "3. 客户仍有异议：登记话费争议工单，告知 3 个工作日内回复。",
        ["cmp-billing-wrong", "cmp-billing-vas"],
    ),
    (
        "products",
        "携号转网办理条件",
        "携转 携号转网 转出 授权码 SCC",
        "携号转网（转出）条件：\n"
        "1. 号码为本人实名登记，状态正常（未停机、未挂失）；\n"
        "2. 无欠费，无在网期限未到的合约（含购机、宽带融合合约），或客户同意解除合约；\n"
        "3. 入网满 120 天。\n"
        "办理：客户发送短信 SQXH#证件姓名#证件号码 至 10001 申请授权码，授权码有效期 5 天，"
        "凭授权码到新运营商营业厅办理。",
        ["inq-business-port"],
    ),
    (
        "products",
        "国际漫游开通",
        "出国 漫游 境外 流量包",
        "1. 5G 套餐客户默认开通国际及港澳台漫游；其他客户可拨打 10000 或营业厅申请，"
        "需无欠费、入网满 3 个月或预存 500 元。\n"
        "2. 出发前建议订购目的地流量日包（如港澳 25 元/天不限量），避免按标准资费计费。\n"
        "3. 到达后手机设置：打开“数据漫游”，网络选择自动。\n"
        "4. 境外紧急情况可拨打 +86 189 1000 0000 联系客服（免费）。",
        ["inq-tariff-roaming"],
    ),
    (
        "products",
        "停机保号规则",
        "停机保号 保号 出国 暂停",
        "停机保号：客户暂时不用但想保留号码时办理。\n"
        "· 保号费 5 元/月，最长 12 个月，到期自动复机并恢复原套餐计费；\n"
        "· 保号期间不能打电话、上网，可接收短信（视套餐）；\n"
        "· 需本人持身份证到营业厅或通过实名认证的线上渠道办理，不能有欠费；\n"
        "· 合约期内号码不能办理保号。",
        ["inq-business"],
    ),
    (
        "products",
        "光宽带提速办理",
        "提速 升级 500M 1000M 千兆",
        "光宽带可在线提速至 500M 或 1000M：\n"
        "1. 查询客户地址是否支持千兆（FTTH 且光猫为万兆 PON 型号）；不支持时需更换光猫，上门免费。\n"
        "2. 提速次日生效，资费按新档次月起计；合约期内提速不重新计算合约期。\n"
        "3. 提醒客户：千兆速率需要支持 WiFi 6 的路由器和千兆网口设备。",
        ["flt-broadband-slow"],
    ),
    (
        "products",
        "实名制补登记说明",
        "实名 补登记 身份证 过户",
        "根据电话用户实名登记规定，未实名或信息不完整的号码需补登记：\n"
        "1. 个人客户本人持有效身份证原件到营业厅办理，现场人像比对；\n"
        "2. 单位客户需经办人身份证、单位介绍信和营业执照复印件（加盖公章）；\n"
        "3. 超期未补登记的号码将被限制呼出，补登记后即时恢复。",
        [],
    ),
]


@demo_step(order=50, name="knowledge")
def seed_knowledge(ctx: SeedContext) -> None:
    """The knowledge base's shelves and articles (idempotent by title); links reason codes when they exist."""
    categories = {}
    for code, name, sort_order in CATEGORIES:
        categories[code], _ = KnowledgeCategory.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": sort_order}
        )
    rng = ctx.rng("knowledge")
    # Reason codes are data an admin may have changed or not loaded: link those that exist, skip the rest.
    reasons = {r.code: r for r in ReasonCategory.objects.filter(is_active=True)}
    created = linked = 0
    for category, title, keywords, body, reason_codes in ARTICLES:
        article = KnowledgeArticle.objects.filter(title=title).first()
        if article is None:
            article = KnowledgeArticle.objects.create(
                category=categories[category], title=title, body=body, keywords=keywords, views=rng.randint(0, 400)
            )
            created += 1
        matching = [reasons[code] for code in reason_codes if code in reasons]
        if matching:
            article.reasons.add(*matching)
            linked += 1
    if not reasons:
        ctx.log("  no reason codes yet: articles are not linked to reasons")
    ctx.log(f"  {created} knowledge articles created, {linked} linked to reason codes")


from . import demo_calls  # noqa: E402,F401 - registers the call-centre demo step
