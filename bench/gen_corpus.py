#!/usr/bin/env python3
"""Synthetic knowledge base for kedb benchmarks (python3 standard library only).

Writes N Markdown knowledge files in the format of docs/FORMAT.md, as a Chinese enterprise
service desk would have them: mostly Simplified Chinese with English product names and error
codes, about a fifth in English, some in Traditional Chinese.

    ~60% known_error  (## 症状 / ## 原因 / ## 临时解决方案 / ## 解决方案, or English headings)
    ~15% article      (how-to / FAQ)
    ~20% ticket       (past incidents: ## 描述 / ## 解决过程)
     ~5% document     (controlled documents: procedures, manuals, forms)

Files are 1-3 KB, spread 1000 per sub-directory, ids unique (KE-000001, ART-000002, ...).
Text is built from a vocabulary of IT terms with Zipf-like frequencies, so that a few words
(问题, 无法, 用户, 系统) are in a large fraction of the documents, as in real data, and a long
tail of rare words and error codes is in a handful each. Output is a pure function of
(--docs, --seed): the same arguments give byte-identical files, whatever --jobs is.

Usage:
    gen_corpus.py --out DIR [--docs 100000] [--seed 42] [--jobs N] [--queries FILE]
    gen_corpus.py --queries-only --queries FILE [--seed 42]

Also writes DIR/synonyms.txt and DIR/.stats.txt (document frequencies of tracked terms).
--queries writes the benchmark query mix (class<TAB>query per line) built from the same
vocabulary; it does not depend on --docs.
"""

import argparse
import bisect
import itertools
import multiprocessing
import os
import random
import re
import sys
import time
from collections import Counter

PER_DIR = 1000
FIXED = "\x01"  # suffix of a section heading whose text must not grow

# ---------------------------------------------------------------------------------------------
# Vocabulary. Lists are in descending order of frequency: they are sampled with Zipf weights.
# ---------------------------------------------------------------------------------------------


def L(s):
    """A '|'-separated list."""
    return [x.strip() for x in s.split("|") if x.strip()]


# Background Chinese vocabulary (rank order matters).
NOUN_ZH = L(
    "问题|用户|系统|电脑|网络|服务器|账号|密码|邮件|文件|软件|客户端|数据|设置|权限|版本|浏览器|"
    "页面|补丁|证书|服务|配置|应用|数据库|端口|驱动|日志|磁盘|内存|共享|域|邮箱|附件|工单|部门|"
    "同事|管理员|流程|报表|进程|任务|接口|模块|注册表|组策略|防火墙|代理服务器|笔记本|手机|显示器|"
    "硬盘|无线|交换机|路由器|IP地址|DNS|会议室|打印机|桌面|快捷方式|文件夹|插件|缓存|临时文件|"
    "计划任务|服务台|知识库|备份|网关|链接|二维码|验证码|账套|凭证|模板|审批|会话|通知|公告|消息|"
    "视频|摄像头|麦克风|蓝牙|键盘|鼠标|电池|屏幕|主机|机房|机柜|光纤|网线|工号|分公司|总部|供应商|"
    "合同|资产|标签|信息|安全策略|存储|虚拟机|镜像|终端|许可证|控件|主页|菜单|按钮|对话框|"
    "用户名|令牌|密钥|运维平台|监控告警|工作流|发票|报销单|考勤|门禁|访客|投影仪|白板|固件|"
    "风扇|散热|配置文件|环境变量|字体|输入法|壁纸|回收站|剪贴板|托盘图标"
)
# Rare words: each drawn uniformly, for about 1 noun in 60, so each is in well under 1% of
# the documents (the long tail of a real knowledge base).
RARE_ZH = L(
    "热敏纸|条码枪|标签打印机|小票机|读卡器|指纹仪|高拍仪|签字板|碎纸机|考勤机|门禁卡|工牌|网口|"
    "水晶头|配线架|光猫|光模块|跳线|无线控制器|漫游|频段|组播|广播风暴|环路|生成树|端口镜像|"
    "链路聚合|堆叠|静态路由|地址转换|白名单|黑名单|证书链|根证书|中间证书|私钥|公钥|吊销列表|"
    "时间戳|哈希值|数字签名|审计日志|操作日志|慢日志|回滚|灰度发布|热修复|冷备份|热备份|异地容灾|"
    "快照|克隆|模板机|资源池|宿主机|容器|镜像仓库|中间件|消息队列|缓存集群|读写分离|分库分表|"
    "主键冲突|唯一索引|外键|存储过程|触发器|视图|游标|字符编码|换行符|制表符|快捷键|右键菜单|"
    "任务栏|开始菜单|通知栏|锁屏|屏保|休眠|睡眠模式|电源计划|快速启动|安全启动|固态硬盘|机械硬盘|"
    "坏道|分区表|引导扇区|启动项|自启动|服务依赖|句柄|内存泄漏|页面文件|虚拟内存|显卡|声卡|"
    "分辨率|刷新率|色差|投屏|无线投屏|会议平板|视频会议终端|全向麦克风|回声|啸叫|音量|静音|耳机|"
    "扬声器|电子白板|录屏|水印|页眉|页脚|批注|修订模式|邮件合并|数据透视表|公式|宏病毒|超链接|"
    "域名|子域名|解析记录|泛域名|反向代理|隧道模式|预共享密钥|加密算法|报文|抓包|三次握手|重传|"
    "抖动|往返时延|工资条|个税|社保|公积金|差旅|借款单|付款申请|对账单|应收账款|应付账款|库龄|"
    "盘点|调拨单|出库单|入库单|领料单|生产工单|物料清单|工艺路线|质检单|客户档案|商机|报价单|"
    "合同评审|用印申请|档案室|借阅|销毁|堡垒机|跳板机|负载均衡|运维审计|日志服务器|网闸|"
    "光盘刻录|加密U盘|打印配额|彩色打印|传真|传真机|会议纪要|电子发票|税控盘|金税盘|开票软件"
)
VERB_ZH = L(
    "连接|登录|打开|发送|安装|访问|使用|更新|重启|打印|显示|运行|保存|同步|启动|下载|上传|接收|"
    "加载|修改|删除|创建|导出|导入|卸载|激活|备份|恢复|扫描|映射|切换|升级|配置|验证|授权|关闭|"
    "刷新|共享|申请|查询|过账|注册|解锁|重置|迁移|还原"
)
MODAL_ZH = L("无法|无法|不能|经常无法|偶尔|突然无法|反复|一直无法|多次|仍然无法|有时不能")
STATE_ZH = L(
    "失败|错误|异常|超时|缓慢|卡顿|报错|中断|断开|乱码|空白|闪退|卡死|无响应|过期|锁定|冲突|"
    "丢失|损坏|不足|已满|重复|延迟|不一致|被拦截|被占用|未授权|未找到"
)
WHEN_ZH = L(
    "今天上午|昨天下午|周一早上|月末结账时|开会前|升级后|重启后|出差期间|每天上班时|最近一周|"
    "换了新电脑后|修改密码后|安装补丁后|断电恢复后|搬迁工位后|系统升级当晚|节假日后第一天"
)
LINK_ZH = L("并且|但是|同时|之后|导致|因此|随后|而且|此后|结果")
WHO_ZH = L(
    "用户|财务部用户|销售部同事|多名用户|一位用户|新员工|出差员工|部门经理|前台|研发中心同事|"
    "生产部班组长|人力资源部用户|采购部用户|客服中心坐席|分公司用户|总经理办公室|仓库管理员"
)
ROLE_TAIL_ZH = L(
    "请用户|服务台|工程师|二线支持|管理员|现场工程师|值班人员"
)

NOUN_EN = L(
    "user|system|computer|network|server|account|password|email|file|software|client|data|"
    "setting|permission|version|browser|page|patch|certificate|service|configuration|"
    "application|database|port|driver|log|disk|memory|share|domain|mailbox|attachment|ticket|"
    "administrator|workflow|report|process|task|interface|registry|group policy|firewall|proxy|"
    "laptop|phone|monitor|hard drive|wireless|switch|router|IP address|DNS|cache|profile|"
    "session|token|license|plugin|template|folder|shortcut|desktop|backup|gateway|link|"
    "QR code|verification code|notification|camera|microphone|keyboard|mouse|battery|screen|"
    "docking station|firmware|BIOS|fan|font|input method|recycle bin|clipboard|tray icon|"
    "tablespace|connection pool|load balancer|jump server|hypervisor|snapshot"
)
RARE_EN = L(
    "thermal paper|barcode scanner|label printer|receipt printer|card reader|fingerprint reader|"
    "patch panel|optical module|wireless controller|roaming|multicast|broadcast storm|spanning tree|"
    "port mirroring|link aggregation|static route|certificate chain|root certificate|"
    "intermediate certificate|private key|revocation list|timestamp|audit log|rollback|"
    "canary release|hotfix|cold backup|disaster recovery|resource pool|container|message queue|"
    "read replica|primary key|unique index|stored procedure|trigger|cursor|encoding|line break|"
    "hotkey|context menu|taskbar|lock screen|hibernate|power plan|fast startup|secure boot|SSD|"
    "bad sector|partition table|boot sector|startup item|handle leak|memory leak|page file|"
    "graphics card|refresh rate|screen mirroring|echo|watermark|mail merge|pivot table|hyperlink|"
    "subdomain|reverse proxy|pre-shared key|packet capture|retransmission|jitter|payroll|"
    "expense claim|reimbursement|stocktaking|transfer order|bill of materials|quotation|keytab|"
    "dongle|fax|e-invoice|tax control disk|archive room"
)
VERB_EN = L(
    "connect to|log in to|open|send|install|access|use|update|restart|print|load|save|sync|"
    "start|download|upload|receive|map|activate|back up|restore|scan|switch to|upgrade|"
    "configure|verify|close|refresh|share|export|import|uninstall|reset|unlock|migrate"
)
MODAL_EN = L(
    "cannot|cannot|fails to|is unable to|intermittently fails to|sometimes cannot|"
    "still cannot|can no longer|repeatedly fails to"
)
STATE_EN = L(
    "fails|times out|is very slow|hangs|crashes|shows an error|is blank|is locked|has expired|"
    "disconnects|freezes|is corrupted|is missing|is full|is out of date|is blocked|"
    "is not responding|shows garbled text|keeps prompting for credentials"
)
WHEN_EN = L(
    "this morning|since yesterday|after the update|after a restart|during month-end closing|"
    "on the first day after the holiday|after changing the password|after moving desks|"
    "when working from home|since the migration"
)
WHO_EN = L(
    "A user|Several users|The finance team|A new employee|A sales manager|Users in the branch office|"
    "The front desk|An engineer|A traveling employee|The warehouse supervisor"
)

# Topics: products, fixed error codes, random code families, topic words, phrases.
TOPICS = [
    dict(
        key="printer", w=13, cat="硬件 > 打印机", team="桌面支持组",
        products=L("HP LaserJet M404dn|HP LaserJet Pro MFP M428fdw|Canon iR-ADV C5535|Brother HL-L2375DW|"
                   "Ricoh MP C3004|Kyocera ECOSYS M2540dn|HP LaserJet P1108|Fuji Xerox ApeosPort C3370|"
                   "Epson L3150|Canon LBP2900"),
        codes=L("13.A2.D4|0x0000011b|0x00000709|49.4C02|0x000003eb|SC542|79.00FE|0x00000bcb"),
        gen=["ptr", "hexwin"],
        zh=L("打印机|打印|卡纸|脱机|打印队列|驱动程序|扫描|复印|共享打印机|网络打印机|碳粉|硒鼓|纸盒|"
             "双面打印|打印后台处理程序|进纸辊|打印任务|墨盒|出纸口|定影器|搓纸轮|复合机|一体机"),
        en=L("printer|print|paper jam|offline|print queue|driver|toner|tray|duplex|spooler|"
             "scan to folder|firmware|fuser|pickup roller|MFP"),
        sym_zh=L("频繁卡纸|显示脱机|打印出来是乱码|打印任务卡在队列中|无法添加共享打印机|扫描到文件夹失败|"
                 "打印速度很慢|打印件有黑线|无法双面打印|提示碳粉不足|打印后台处理程序自动停止"),
        sym_en=L("keeps jamming|shows offline|prints garbled characters|jobs stay stuck in the print queue|"
                 "cannot add the shared printer|scan to folder fails|prints very slowly|"
                 "prints black lines|the print spooler stops"),
        cause_zh=L("进纸辊老化，纸张受潮|驱动程序版本与系统不兼容|打印后台处理程序服务异常停止|"
                   "打印机 IP 地址变化，端口仍指向旧地址|Windows 更新后 RPC 打印策略收紧|硒鼓寿命到期|"
                   "扫描用的共享文件夹密码已过期|打印队列中有损坏的任务"),
        cause_en=L("the pickup roller is worn and the paper is damp|the driver version does not match the OS|"
                   "the Print Spooler service stopped|the printer IP address changed but the port did not|"
                   "a Windows update tightened RPC printing|the toner cartridge reached end of life"),
        step_zh=L("关闭打印机，打开后盖取出残纸|在“服务”中重启 Print Spooler 服务|"
                  "删除 C:\\Windows\\System32\\spool\\PRINTERS 下的所有文件|从软件中心重新安装打印机驱动程序|"
                  "在打印机面板上查看 IP 地址并更新端口|换用干燥的 70g 纸张|打印测试页确认恢复正常|"
                  "在打印机属性中关闭双向支持"),
        step_en=L("turn the printer off and remove the jammed paper|restart the Print Spooler service|"
                  "delete the files in C:\\Windows\\System32\\spool\\PRINTERS|reinstall the printer driver from Software Center|"
                  "check the IP address on the printer panel and update the port|print a test page"),
        fix_zh=L("更换进纸辊组件（备件号 RM2-5425）|通过终端管理平台统一推送新版驱动|打印机改为固定 IP 地址并在 DHCP 中保留|"
                 "通过组策略配置 RpcAuthnLevelPrivacyEnabled 注册表值|与供应商签订硒鼓按需配送协议"),
        fix_en=L("replace the pickup roller assembly|push the new driver through endpoint management|"
                 "give the printer a DHCP reservation|set RpcAuthnLevelPrivacyEnabled by group policy"),
    ),
    dict(
        key="mail", w=13, cat="应用 > 邮件", team="邮件组",
        products=L("Outlook|Outlook 2016|Outlook for Microsoft 365|Exchange Server 2019|Exchange Online|"
                   "Foxmail|Outlook on the web|Microsoft 365|腾讯企业邮箱|网易企业邮箱"),
        codes=L("0x800CCC0E|0x8004010F|0x800CCC0F|0x80040600|0x8004011D|550 5.1.1|554 5.7.1|0x800CCC92|"
                "0x80040115|452 4.3.1"),
        gen=["hex800c", "smtp"],
        zh=L("邮件|邮箱|发送|接收|附件|收件箱|通讯录|签名|日历|共享邮箱|OST 文件|PST 文件|规则|"
             "自动回复|垃圾邮件|邮件组|退信|会议邀请|配置文件|脱机文件|存档|邮箱容量"),
        en=L("email|mailbox|send|receive|attachment|inbox|address book|signature|calendar|"
             "shared mailbox|OST file|PST file|rules|out of office|spam|distribution list|bounce"),
        sym_zh=L("无法发送邮件|收不到外部邮件|反复提示输入密码|邮件一直停留在发件箱|附件无法打开|"
                 "搜索不到历史邮件|共享邮箱不显示|邮箱容量已满|会议邀请无法接受|启动时卡在加载配置文件"),
        sym_en=L("cannot send email|does not receive external mail|keeps prompting for the password|"
                 "messages stay in the Outbox|cannot open attachments|search returns no results|"
                 "the shared mailbox does not appear|the mailbox is full"),
        cause_zh=L("SMTP 端口被防火墙拦截|OST 文件超过 50GB 或已损坏|凭据管理器中保存了旧密码|"
                   "邮箱配额已满|现代验证未启用|反垃圾网关将发件人列入黑名单|索引服务未运行|"
                   "自动发现记录指向旧服务器"),
        cause_en=L("the SMTP port is blocked by the firewall|the OST file is larger than 50 GB or corrupted|"
                   "Credential Manager holds an old password|the mailbox quota is reached|"
                   "modern authentication is disabled|the autodiscover record points to the old server"),
        step_zh=L("关闭 Outlook，在控制面板“邮件”中新建配置文件|删除凭据管理器中以 MicrosoftOffice 开头的凭据|"
                  "将 OST 文件重命名后重新打开 Outlook 重建|使用 scanpst.exe 修复 PST 文件|"
                  "在 Outlook 网页版中确认邮箱能否正常收发|清理已删除邮件并归档旧邮件|"
                  "检查发送端口是否为 587 并启用 TLS"),
        step_en=L("close Outlook and create a new mail profile|remove the MicrosoftOffice entries from Credential Manager|"
                  "rename the OST file and reopen Outlook|repair the PST file with scanpst.exe|"
                  "check sending and receiving in Outlook on the web|archive old messages"),
        fix_zh=L("邮箱配额统一调整为 100GB 并启用在线存档|通过组策略启用现代验证|修正自动发现 DNS 记录|"
                 "邮件网关白名单加入合作方域名"),
        fix_en=L("raise the mailbox quota to 100 GB and enable online archive|enable modern authentication by GPO|"
                 "correct the autodiscover DNS record"),
    ),
    dict(
        key="vpn", w=9, cat="网络 > VPN", team="网络组",
        products=L("SSL VPN|深信服 EasyConnect|Cisco AnyConnect|Windows 内置 VPN (L2TP/IPsec)|FortiClient|"
                   "GlobalProtect|华为 SecoClient"),
        codes=L("809|691|789|720|868|812|CERT_EXPIRED|CERT_UNTRUSTED|-20199"),
        gen=["vpnerr", "hexwin"],
        zh=L("VPN|远程办公|证书|客户端|隧道|动态口令|虚拟网卡|拨号|路由|内网|出差|家庭网络|酒店网络|"
             "热点|端口|双因素认证|令牌"),
        en=L("VPN|remote access|certificate|tunnel|one-time password|virtual adapter|split tunnel|"
             "hotspot|token|MFA"),
        sym_zh=L("连接 VPN 报错|连接成功但无法访问内网|频繁掉线|提示证书无效|客户端无法启动|"
                 "输入动态口令后提示认证失败|连接后无法上外网"),
        sym_en=L("fails to connect|connects but cannot reach internal sites|drops every few minutes|"
                 "reports an invalid certificate|client does not start|rejects the one-time password"),
        cause_zh=L("酒店网络封锁了 UDP 500 和 4500 端口|VPN 服务器证书已更换，客户端不信任新证书|"
                   "虚拟网卡驱动损坏|电脑系统时间不准确|账号未加入 VPN 用户组|家庭路由器与内网网段冲突"),
        cause_en=L("the hotel network blocks UDP 500 and 4500|the server certificate changed and is not trusted|"
                   "the virtual adapter driver is broken|the clock is wrong|the account is not in the VPN group"),
        step_zh=L("改用手机热点连接 VPN，确认账号正常|卸载客户端后从内部下载页重新安装|"
                  "在注册表中新建 AssumeUDPEncapsulationContextOnSendRule 值为 2|同步系统时间后重新连接|"
                  "在设备管理器中删除虚拟网卡后重启|导入公司根证书到受信任的根证书颁发机构"),
        step_en=L("try a phone hotspot to rule out the account|reinstall the client from the download page|"
                  "add AssumeUDPEncapsulationContextOnSendRule = 2 to the registry|sync the clock and reconnect|"
                  "remove the virtual adapter in Device Manager and restart"),
        fix_zh=L("L2TP VPN 迁移到 SSL VPN（TCP 443）|服务器证书改为公开 CA 签发|VPN 地址池改为 10.250.0.0/16 避免冲突"),
        fix_en=L("migrate from L2TP to SSL VPN on TCP 443|use a public CA certificate on the gateway"),
    ),
    dict(
        key="network", w=9, cat="网络 > 有线/无线", team="网络组",
        products=L("CORP-WiFi|CORP-Guest|华为 AR2220|H3C S5130|Cisco Catalyst 9300|锐捷 RG-S2910|"
                   "Aruba AP-515|DHCP 服务器|深信服上网行为管理"),
        codes=L("169.254.x.x|DNS_PROBE_FINISHED_NXDOMAIN|ERR_CONNECTION_TIMED_OUT|0x80004005|"
                "ERR_NAME_NOT_RESOLVED|802.1X"),
        gen=["hexwin", "ip"],
        zh=L("网络|无线|网线|交换机|IP地址|DNS|网关|丢包|延迟|断网|IP冲突|代理服务器|防火墙|端口|"
             "信号|认证|上网|带宽|网段|光纤|接入点|上网行为管理|网卡"),
        en=L("network|Wi-Fi|wireless|cable|switch|IP address|DNS|gateway|packet loss|latency|"
             "IP conflict|proxy|firewall|bandwidth|subnet|access point|NIC"),
        sym_zh=L("无线网络频繁断开|获取不到 IP 地址|提示 IP 地址冲突|网页打开很慢|内网网站无法访问|"
                 "连接无线时提示认证失败|网络图标显示黄色感叹号"),
        sym_en=L("Wi-Fi keeps disconnecting|gets no IP address|reports an IP address conflict|"
                 "web pages load slowly|internal sites are unreachable|802.1X authentication fails"),
        cause_zh=L("DHCP 地址池耗尽|802.1X 证书过期|交换机端口被安全策略关闭|DNS 服务器配置错误|"
                   "两台设备配置了相同的固定 IP|无线 AP 信道干扰"),
        cause_en=L("the DHCP scope is exhausted|the 802.1X certificate expired|the switch port was shut down|"
                   "the DNS server setting is wrong|two devices use the same static IP"),
        step_zh=L("在命令行执行 ipconfig /release 和 ipconfig /renew|执行 ipconfig /flushdns 清除 DNS 缓存|"
                  "忘记该无线网络后重新连接|更换网线或换一个网口测试|在网卡属性中改为自动获取 IP 地址|"
                  "执行 netsh winsock reset 后重启"),
        step_en=L("run ipconfig /release and ipconfig /renew|flush the DNS cache with ipconfig /flushdns|"
                  "forget the wireless network and connect again|try another cable and wall port|"
                  "run netsh winsock reset and restart"),
        fix_zh=L("扩大 DHCP 地址池并缩短租期|无线网络改为 WPA3 企业级认证|核心交换机启用 DHCP Snooping"),
        fix_en=L("enlarge the DHCP scope and shorten the lease|enable DHCP snooping on the core switch"),
    ),
    dict(
        key="windows", w=10, cat="终端 > 操作系统", team="桌面支持组",
        products=L("Windows 11|Windows 10|Windows 11 23H2|Windows Server 2019|Windows Server 2022|"
                   "Windows 10 LTSC|WSUS|Microsoft Intune"),
        codes=L("KB5034441|0x80070643|0x800f0922|0x0000007B|CRITICAL_PROCESS_DIED|IRQL_NOT_LESS_OR_EQUAL|"
                "0xc000021a|KB2918614|0x8024402c|0x80240034|KB5031356|MEMORY_MANAGEMENT"),
        gen=["kb", "hexwin", "bug"],
        zh=L("蓝屏|补丁|更新|重启|开机|启动|系统|死机|黑屏|驱动|恢复分区|安全模式|系统还原|"
             "磁盘空间|C盘|任务管理器|事件查看器|注册表|服务|更新失败|激活"),
        en=L("BSOD|blue screen|update|patch|restart|boot|safe mode|system restore|recovery partition|"
             "Task Manager|Event Viewer|registry|activation|Windows Update"),
        sym_zh=L("安装更新失败|开机蓝屏|反复重启|C盘空间不足|开机后黑屏只有鼠标|更新后无法进入系统|"
                 "系统提示未激活|运行非常卡顿"),
        sym_en=L("the update fails to install|blue screen at boot|restarts in a loop|drive C is full|"
                 "black screen with only a cursor|cannot boot after the update|shows not activated"),
        cause_zh=L("恢复分区空间不足，无法安装 WinRE 更新|SATA 模式在 BIOS 中被修改|第三方杀毒软件驱动冲突|"
                   "更新缓存损坏|系统文件损坏|KMS 服务器不可达"),
        cause_en=L("the recovery partition is too small for the WinRE update|the SATA mode changed in BIOS|"
                   "a third-party antivirus driver conflicts|the update cache is corrupted"),
        step_zh=L("执行 sfc /scannow 和 DISM /Online /Cleanup-Image /RestoreHealth|"
                  "停止 wuauserv 服务并清空 SoftwareDistribution 文件夹|进入安全模式卸载最近安装的驱动|"
                  "在 BIOS 中将 SATA 模式恢复为 RAID On|使用磁盘清理删除临时文件|"
                  "在命令行执行 reagentc /info 检查恢复环境"),
        step_en=L("run sfc /scannow and DISM /RestoreHealth|stop wuauserv and clear the SoftwareDistribution folder|"
                  "boot into safe mode and remove the latest driver|set SATA back to RAID On in BIOS|"
                  "run Disk Cleanup"),
        fix_zh=L("通过脚本将恢复分区扩大 250MB 后重新推送补丁|WSUS 中暂停该补丁的自动审批|统一升级杀毒软件客户端"),
        fix_en=L("grow the recovery partition by 250 MB and redeploy|decline the patch in WSUS"),
    ),
    dict(
        key="account", w=11, cat="账号与权限", team="系统组",
        products=L("Active Directory|Azure AD|自助密码门户|统一身份认证平台|Microsoft Authenticator|"
                   "企业微信认证|LDAP|单点登录 SSO"),
        codes=L("0xc000006d|Event ID 4625|Event ID 4740|AADSTS50126|AADSTS50076|0x80090016|0xc0000234|"
                "AADSTS700016"),
        gen=["aad", "evt"],
        zh=L("账号|密码|登录|锁定|过期|重置|域|权限|多因素认证|验证码|用户名|单点登录|工号|"
             "组策略|管理员权限|密码策略|找回密码|解锁|离职|入职|账号申请"),
        en=L("account|password|login|locked out|expired|reset|domain|permission|MFA|"
             "verification code|username|single sign-on|SSO|group policy|password policy"),
        sym_zh=L("登录时提示密码错误|账号被锁定|密码过期后无法修改|收不到验证码|登录后没有权限|"
                 "单点登录跳转失败|新员工账号无法登录"),
        sym_en=L("reports a wrong password|the account is locked out|cannot change an expired password|"
                 "the verification code never arrives|has no permission after login|SSO redirect fails"),
        cause_zh=L("手机或旧电脑上保存的旧密码反复尝试导致锁定|密码不符合复杂度要求|账号未加入对应的安全组|"
                   "电脑与域控制器时间相差超过 5 分钟|手机号未在认证平台登记"),
        cause_en=L("an old password saved on a phone keeps locking the account|the password does not meet complexity|"
                   "the account is not in the security group|the clock differs from the domain controller"),
        step_zh=L("在自助密码门户解锁账号并重置密码|删除手机邮件客户端中保存的旧密码|"
                  "在 AD 用户和计算机中确认账号状态|将用户加入对应的安全组后注销重新登录|"
                  "使用 Account Lockout Status 工具查找锁定来源|核对手机号后重新发送验证码"),
        step_en=L("unlock the account in the self-service portal and reset the password|"
                  "remove the old password from the phone mail app|check the account in AD Users and Computers|"
                  "add the user to the security group and sign in again"),
        fix_zh=L("账号锁定阈值调整为 10 次|上线密码到期前 14 天短信提醒|入职流程中自动开通基础权限"),
        fix_en=L("raise the lockout threshold to 10 attempts|send password expiry reminders 14 days ahead"),
    ),
    dict(
        key="sap", w=6, cat="应用系统 > SAP", team="应用支持组",
        products=L("SAP GUI 7.70|SAP S/4HANA|SAP ECC 6.0|SAP Fiori|SAP BW|SAP Business One"),
        codes=L("DBIF_RSQL_SQL_ERROR|TSV_TNEW_PAGE_ALLOC_FAILED|RFC_ERROR_SYSTEM_FAILURE|"
                "SAPSQL_ARRAY_INSERT_DUPREC|M7021|F5201|ME083|SU53"),
        gen=["sapmsg"],
        zh=L("事务码|凭证|过账|物料|采购订单|销售订单|成本中心|月结|报表|权限|短转储|后台作业|"
             "传输请求|工厂|库存|供应商主数据|会计期间"),
        en=L("transaction code|posting|material|purchase order|sales order|cost center|month-end|"
             "short dump|background job|transport request|plant|inventory|authorization"),
        sym_zh=L("过账时报错|事务码提示没有权限|报表运行超时|出现短转储|采购订单无法保存|登录 SAP GUI 卡住"),
        sym_en=L("posting fails|the transaction reports no authorization|the report times out|"
                 "a short dump occurs|the purchase order cannot be saved"),
        cause_zh=L("会计期间未打开|角色中缺少授权对象|后台作业占用资源|物料主数据不完整|SAP GUI 版本过旧"),
        cause_en=L("the posting period is closed|the role lacks an authorization object|"
                   "background jobs use the work processes|material master data is incomplete"),
        step_zh=L("执行 SU53 查看缺少的权限并截图提交|使用 OB52 打开会计期间|在 ST22 中查看短转储详情|"
                  "在 SM37 中检查后台作业状态|升级 SAP GUI 到 7.70 最新补丁"),
        step_en=L("run SU53 and send the screenshot|open the period in OB52|check the dump in ST22|"
                  "check background jobs in SM37"),
        fix_zh=L("月结期间提前开放下一会计期间|权限角色按岗位重新设计"),
        fix_en=L("open the next posting period before month-end|redesign roles per position"),
    ),
    dict(
        key="erp", w=6, cat="应用系统 > ERP", team="应用支持组",
        products=L("用友U8|用友NC|用友U8+ V16|金蝶K3 WISE|金蝶云星空|财务ERP客户端 V13|浪潮GS"),
        codes=L("LIC-001|LIC-104|-2147217900|-2147467259|U8-0032|KD-5001"),
        gen=["app"],
        zh=L("财务|凭证|记账|结账|报表|加密狗|许可证|站点|账套|年结|总账|应收|应付|固定资产|"
             "出纳|银行对账|工资|存货|预算"),
        en=L("finance|voucher|ledger|closing|license|site|account set|year-end|receivables|payables"),
        sym_zh=L("登录提示许可证已用完|加密服务器连接失败|月末结账时报错|报表数据不一致|凭证无法保存|"
                 "客户端打开后白屏"),
        sym_en=L("login reports no free license|cannot reach the license server|month-end closing fails|"
                 "report figures do not match"),
        cause_zh=L("用户直接关闭窗口导致站点未释放|加密服务未设置为自动启动|账套数据库连接超时|"
                   "客户端补丁与服务器版本不一致|存货核算未完成"),
        cause_en=L("sites are not released when the window is closed|the license service is not set to start automatically|"
                   "the client patch level differs from the server"),
        step_zh=L("在任务管理器中结束残留的客户端进程后重新登录|在系统管理工具中清除空闲站点|"
                  "检查应用服务器上加密服务的状态|按顺序完成存货核算后再结账|重新注册客户端控件"),
        step_en=L("end the leftover client processes and log in again|clear idle sites in the admin tool|"
                  "check the license service on the application server"),
        fix_zh=L("加密服务设为自动（延迟启动）并加入监控|空闲站点超时时间由 30 分钟调整为 15 分钟"),
        fix_en=L("set the license service to automatic and monitor it|shorten the idle site timeout to 15 minutes"),
    ),
    dict(
        key="db", w=6, cat="基础架构 > 数据库", team="数据库组",
        products=L("Oracle 19c|Oracle 11g|SQL Server 2019|MySQL 8.0|PostgreSQL 14|达梦 DM8|Oracle RAC|"
                   "PL/SQL Developer|SQL Server Management Studio"),
        codes=L("ORA-01017|ORA-12541|ORA-28000|ORA-12154|ORA-00942|ORA-01555|ORA-04031|ORA-00060|"
                "18456|1045|2003|1205"),
        gen=["ora", "sqlerr"],
        zh=L("数据库|监听|表空间|连接池|死锁|归档日志|备份|实例|会话|锁表|慢查询|主从同步|字符集|"
             "索引|执行计划|用户锁定|空间不足"),
        en=L("database|listener|tablespace|connection pool|deadlock|archive log|backup|instance|"
             "session|slow query|replication|character set|index|execution plan"),
        sym_zh=L("连接数据库提示用户名或密码无效|提示没有监听程序|账号被锁定|表空间不足|查询非常慢|"
                 "备份作业失败|出现死锁"),
        sym_en=L("login reports an invalid username or password|reports no listener|the account is locked|"
                 "the tablespace is full|queries are very slow|the backup job fails"),
        cause_zh=L("密码区分大小写且已被修改|监听服务未启动|连续输错密码导致账号锁定|归档日志占满磁盘|"
                   "统计信息过旧导致执行计划错误|tnsnames.ora 配置错误"),
        cause_en=L("the password is case-sensitive and was changed|the listener is not running|"
                   "failed logins locked the account|archive logs filled the disk|stale statistics"),
        step_zh=L("使用 lsnrctl status 检查监听状态|执行 ALTER USER ... ACCOUNT UNLOCK 解锁账号|"
                  "清理过期归档日志后扩展表空间|重新收集表统计信息|检查 tnsnames.ora 中的服务名"),
        step_en=L("check the listener with lsnrctl status|unlock the account with ALTER USER|"
                  "purge old archive logs and extend the tablespace|gather fresh statistics"),
        fix_zh=L("应用连接池改用专用账号并设置密码不过期|归档日志每日自动清理并加入容量告警"),
        fix_en=L("use a dedicated pool account that does not expire|purge archive logs daily and alert on space"),
    ),
    dict(
        key="web", w=6, cat="应用系统 > OA/门户", team="应用支持组",
        products=L("泛微OA|致远OA|内网门户|IE11|Microsoft Edge|Google Chrome|蓝凌OA|企业网盘"),
        codes=L("HTTP 503|HTTP 500|HTTP 502|HTTP 404|HTTP 403|NET::ERR_CERT_DATE_INVALID|ERR_SSL_PROTOCOL_ERROR"),
        gen=["http"],
        zh=L("门户|浏览器|页面|空白页|兼容模式|审批|流程|附件|上传|插件|控件|证书|单点登录|待办|"
             "电子签章|表单|IE 模式"),
        en=L("portal|browser|page|blank page|compatibility mode|approval|workflow|attachment|upload|"
             "plugin|ActiveX|IE mode|e-signature|form"),
        sym_zh=L("打开门户显示空白页|提交审批时报错|附件上传失败|提示证书不安全|待办不刷新|电子签章控件无法加载"),
        sym_en=L("shows a blank page|approval submission fails|attachment upload fails|reports an insecure certificate|"
                 "the e-signature control does not load"),
        cause_zh=L("IE11 已停用，页面需要 Edge IE 模式|应用服务器连接池耗尽|上传大小限制为 20MB|"
                   "网站证书已过期|控件未加入受信任站点"),
        cause_en=L("IE11 is retired and the page needs Edge IE mode|the app server connection pool is exhausted|"
                   "uploads are limited to 20 MB|the site certificate expired"),
        step_zh=L("在 Edge 中启用 IE 模式重新加载页面|清除浏览器缓存和 Cookie|将门户地址加入受信任站点|"
                  "压缩附件后重新上传|换用 Chrome 或 Edge 访问"),
        step_en=L("reload the page in Edge IE mode|clear the browser cache and cookies|"
                  "add the portal to trusted sites|compress the attachment and upload again"),
        fix_zh=L("通过组策略下发企业模式站点列表|应用服务器扩容并调大连接池"),
        fix_en=L("deploy the enterprise mode site list by GPO|scale out the application servers"),
    ),
    dict(
        key="collab", w=5, cat="应用 > 协作", team="应用支持组",
        products=L("企业微信|钉钉|Microsoft Teams|腾讯会议|Zoom|飞书|WeLink"),
        codes=L("errcode 60020|errcode 40001|错误码 100008|0xCAA70004|CAA20002"),
        gen=["app"],
        zh=L("会议|视频|摄像头|麦克风|扫码|通讯录|消息|群聊|打卡|审批|屏幕共享|会议室|直播|"
             "文件传输|聊天记录"),
        en=L("meeting|video|camera|microphone|QR code|contacts|chat|screen sharing|meeting room|"
             "check-in|live stream"),
        sym_zh=L("一直显示登录中|提示当前网络不可用|会议中听不到声音|摄像头黑屏|屏幕共享失败|打卡定位不准"),
        sym_en=L("stays on signing in|reports that the network is unavailable|no audio in meetings|"
                 "the camera shows black|screen sharing fails"),
        cause_zh=L("代理服务器拦截了长连接|摄像头被其他程序占用|隐私设置关闭了麦克风权限|客户端版本过旧"),
        cause_en=L("the proxy blocks long-lived connections|another app holds the camera|"
                   "privacy settings block the microphone|the client is out of date"),
        step_zh=L("退出客户端后删除缓存目录重新登录|在隐私设置中允许应用访问麦克风|关闭其他占用摄像头的程序|"
                  "升级客户端到最新版本"),
        step_en=L("quit the client, clear its cache and sign in again|allow microphone access in privacy settings|"
                  "close other apps that use the camera"),
        fix_zh=L("代理服务器放行协作平台域名|会议室终端统一升级固件"),
        fix_en=L("allow the collaboration domains through the proxy"),
    ),
    dict(
        key="storage", w=5, cat="基础架构 > 存储与共享", team="系统组",
        products=L("文件服务器|Synology DS920+|OneDrive|SharePoint Online|网络驱动器|DFS 命名空间|NetApp FAS"),
        codes=L("0x80070035|0x8007003B|error 53|error 1231|0x80070005|0x80071AC3"),
        gen=["hexwin"],
        zh=L("共享文件夹|映射|网络驱动器|磁盘|空间|同步|备份|还原|回收站|文件服务器|配额|"
             "访问被拒绝|历史版本"),
        en=L("shared folder|mapped drive|network drive|quota|sync|restore|previous versions|"
             "access denied|file server"),
        sym_zh=L("网络驱动器断开|提示找不到网络路径|OneDrive 同步卡住|文件被误删需要恢复|共享文件夹访问被拒绝"),
        sym_en=L("the mapped drive disconnects|reports that the network path was not found|OneDrive sync is stuck|"
                 "a deleted file must be restored|access to the shared folder is denied"),
        cause_zh=L("SMB1 已被禁用|登录脚本未执行|部门配额已满|NTFS 权限继承被关闭"),
        cause_en=L("SMB1 is disabled|the logon script did not run|the department quota is full|NTFS inheritance is off"),
        step_zh=L("在资源管理器中断开后重新映射网络驱动器|使用以前的版本恢复文件|执行 gpupdate /force 后注销|"
                  "暂停 OneDrive 同步后重新开始"),
        step_en=L("disconnect and map the network drive again|restore the file from previous versions|"
                  "run gpupdate /force and sign out"),
        fix_zh=L("共享迁移到 DFS 命名空间|部门配额按季度评审"),
        fix_en=L("move shares to a DFS namespace"),
    ),
    dict(
        key="hardware", w=5, cat="硬件 > 终端", team="桌面支持组",
        products=L("Dell Latitude 5420|Lenovo ThinkPad X1 Carbon|HP EliteBook 840 G8|Dell OptiPlex 7090|"
                   "Lenovo ThinkPad T14|Dell P2422H|ThinkPad USB-C Dock|Surface Pro 9"),
        codes=L("2000-0142|0x0000009F|0x80310000|BitLocker 恢复密钥|2000-0415|0x00000124"),
        gen=["dell"],
        zh=L("笔记本|电池|充电|屏幕|黑屏|花屏|键盘|鼠标|风扇|噪音|扩展坞|显示器|蓝牙|摄像头|USB|"
             "硬盘|内存|开机|BitLocker|主板|电源适配器|触控板"),
        en=L("laptop|battery|charging|screen|black screen|keyboard|mouse|fan|noise|docking station|"
             "monitor|Bluetooth|USB|BitLocker|power adapter|touchpad"),
        sym_zh=L("开机要求输入 BitLocker 恢复密钥|电池无法充电|外接显示器无信号|风扇噪音很大|键盘部分按键失灵|"
                 "接扩展坞后不识别 USB 设备"),
        sym_en=L("asks for the BitLocker recovery key at boot|the battery does not charge|the external monitor has no signal|"
                 "the fan is very loud|some keys do not work"),
        cause_zh=L("BIOS 升级后 TPM 测量值变化|电源适配器功率不足|扩展坞固件过旧|主板故障"),
        cause_en=L("a BIOS update changed the TPM measurements|the power adapter is underpowered|the dock firmware is old"),
        step_zh=L("在自助门户查询 BitLocker 恢复密钥|更换原装电源适配器测试|升级扩展坞固件|运行厂商硬件诊断"),
        step_en=L("look up the BitLocker recovery key in the self-service portal|test with the original power adapter|"
                  "update the dock firmware|run the vendor hardware diagnostics"),
        fix_zh=L("BIOS 升级前自动挂起 BitLocker|按保修流程更换主板"),
        fix_en=L("suspend BitLocker before BIOS updates|replace the system board under warranty"),
    ),
    dict(
        key="security", w=4, cat="信息安全", team="信息安全组",
        products=L("360终端安全|奇安信天擎|Microsoft Defender|Symantec Endpoint Protection|数据防泄漏 DLP|U盾|"
                   "深信服 EDR"),
        codes=L("Trojan.Win32.Generic|HEUR:Trojan.Win32.Agent|0x80508023|W97M.Downloader|CVE-2024-21412"),
        gen=["cve"],
        zh=L("病毒|木马|隔离|拦截|钓鱼邮件|勒索|漏洞|加密|杀毒软件|误报|外设管控|U盘|数据防泄漏|"
             "安全基线|弱口令"),
        en=L("virus|trojan|quarantine|blocked|phishing|ransomware|vulnerability|antivirus|false positive|"
             "USB storage|DLP"),
        sym_zh=L("杀毒软件误报并隔离了业务程序|收到可疑钓鱼邮件|U盘无法使用|文件被加密后缀被修改|漏洞扫描报告高危"),
        sym_en=L("the antivirus quarantines a business application|a suspicious phishing email arrived|"
                 "USB storage is blocked|files are encrypted with a new extension"),
        cause_zh=L("病毒库将未签名程序识别为木马|外设管控策略禁止 U盘写入|系统缺少安全补丁"),
        cause_en=L("the signature database flags an unsigned program|device control blocks USB writes"),
        step_zh=L("立即断开网络并联系信息安全组|将业务程序加入白名单|提交 U盘使用申请|不要点击邮件中的链接并上报"),
        step_en=L("disconnect from the network and call Information Security|add the application to the allow list|"
                  "request a USB exception"),
        fix_zh=L("业务程序完成代码签名|每月推送安全补丁并复查基线"),
        fix_en=L("sign the business application|patch monthly and review the baseline"),
    ),
    dict(
        key="software", w=6, cat="终端 > 软件", team="桌面支持组",
        products=L("WPS Office|Microsoft Office 2019|Microsoft Office LTSC 2021|Adobe Acrobat DC|AutoCAD 2022|"
                   "Microsoft Visio|软件中心|7-Zip|福昕PDF"),
        codes=L("1603|1618|0x80070005|30015-11|0-1011|30094-4|E_ACCESSDENIED|0xC0000142"),
        gen=["msi"],
        zh=L("安装|卸载|激活|许可证|软件中心|管理员权限|插件|宏|模板|兼容|闪退|卡死|更新|字体|"
             "默认程序|文件关联|缺少 DLL"),
        en=L("install|uninstall|activation|license|Software Center|administrator rights|add-in|macro|"
             "template|crash|font|default app|missing DLL"),
        sym_zh=L("安装失败|打开后闪退|提示未激活|宏被禁用|提示缺少 DLL|打开文件时卡死|插件加载失败"),
        sym_en=L("installation fails|crashes on start|shows unlicensed product|macros are disabled|"
                 "reports a missing DLL|hangs when opening a file"),
        cause_zh=L("另一个安装程序正在运行|用户没有管理员权限|Office 与 WPS 文件关联冲突|加载项与新版本不兼容"),
        cause_en=L("another installation is in progress|the user has no administrator rights|"
                   "Office and WPS fight over file associations|an add-in is incompatible"),
        step_zh=L("从软件中心安装而不是从网上下载|在控制面板中修复 Office|以安全模式启动并禁用加载项|"
                  "重启电脑后再次安装|在默认应用中重新设置文件关联"),
        step_en=L("install from Software Center instead of the Internet|repair Office from Control Panel|"
                  "start in safe mode and disable add-ins|restart and install again"),
        fix_zh=L("通过软件中心统一分发并静默安装|KMS 激活服务器扩容"),
        fix_en=L("distribute through Software Center with silent install"),
    ),
]

# Random error-code families: each has a fixed pool drawn from the seed.
POOL_SIZE = 400


def _code_gen(rng, fam):
    h = "0123456789ABCDEF"
    if fam == "hexwin":
        return "0x8007" + "".join(rng.choice(h) for _ in range(4))
    if fam == "hex800c":
        return "0x800C" + "".join(rng.choice(h) for _ in range(4))
    if fam == "ptr":
        return "%02d.%s%d.%s%d" % (rng.randint(10, 99), rng.choice("ABCDEF"), rng.randint(0, 9),
                                   rng.choice("ABCDEF"), rng.randint(0, 9))
    if fam == "smtp":
        return "%d %d.%d.%d" % (rng.choice([421, 450, 451, 452, 550, 551, 552, 553, 554]),
                                rng.choice([4, 5]), rng.randint(1, 7), rng.randint(0, 30))
    if fam == "vpnerr":
        return "%d" % rng.randint(600, 999)
    if fam == "ip":
        return "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
    if fam == "kb":
        return "KB50%05d" % rng.randint(0, 99999)
    if fam == "bug":
        return "0x000000%s" % "".join(rng.choice(h) for _ in range(2))
    if fam == "aad":
        return "AADSTS%d" % rng.randint(50000, 900000)
    if fam == "evt":
        return "Event ID %d" % rng.randint(1000, 9999)
    if fam == "sapmsg":
        return "%s%s%03d" % (rng.choice("MFVK"), rng.choice("0123456789"), rng.randint(0, 999))
    if fam == "app":
        return "E%04d" % rng.randint(1000, 9999)
    if fam == "ora":
        return "ORA-%05d" % rng.randint(1, 32000)
    if fam == "sqlerr":
        return "SQL%04d" % rng.randint(1000, 9999)
    if fam == "http":
        return "HTTP %d" % rng.choice([400, 401, 403, 404, 405, 408, 413, 429, 500, 502, 503, 504])
    if fam == "dell":
        return "2000-0%03d" % rng.randint(100, 999)
    if fam == "cve":
        return "CVE-20%02d-%d" % (rng.randint(18, 25), rng.randint(1000, 49999))
    if fam == "msi":
        return "%d" % rng.choice([1603, 1618, 1619, 1620, 1625, 1638, 2502, 2503, 1722, 1935])
    raise ValueError(fam)


def code_pools(seed):
    fams = sorted({f for t in TOPICS for f in t["gen"]})
    pools = {}
    for i, fam in enumerate(fams):
        rng = random.Random(seed * 7919 + i)
        seen, pool = set(), []
        for _ in range(POOL_SIZE * 4):
            c = _code_gen(rng, fam)
            if c not in seen:
                seen.add(c)
                pool.append(c)
            if len(pool) == POOL_SIZE:
                break
        pools[fam] = pool
    return pools


SURNAMES = L("王|李|张|刘|陈|杨|黄|赵|吴|周|徐|孙|马|朱|胡|郭|何|林|罗|高|郑|梁|谢|宋|唐|许|韩|冯|邓|曹")
GIVEN = L("伟|芳|娜|敏|静|丽|强|磊|洋|艳|勇|军|杰|娟|涛|明|超|秀英|霞|平|刚|桂英|浩|婷|宇|欣|晨|佳|"
          "子涵|思远|雨桐|建国|志强")
DEPTS = L("财务部|人力资源部|销售部|华东区销售|华南区销售|研发中心|生产部|采购部|法务部|行政部|客服中心|"
          "市场部|仓储物流部|质量部|总经理办公室|审计部|工程部")
CITIES = L("上海|北京|深圳|广州|南京|杭州|苏州|成都|武汉|天津|西安|重庆|台北|香港|新竹|高雄")
TW_CITIES = {"台北", "香港", "新竹", "高雄"}
TEAMS_EN = L("Service Desk|Network Team|Desktop Support|Application Support|Database Team|"
             "Information Security|Systems Team|Messaging Team")

DOC_KINDS = [  # (id code, doc_type, title stem zh)
    ("SC", "operations manual", L("IT运维手册|机房管理手册|桌面终端运维手册|网络运维手册")),
    ("CX", "procedure", L("事件管理程序|问题管理程序|变更管理程序|服务请求管理程序|账号权限管理程序|"
                          "备份与恢复管理程序|信息安全事件处理程序")),
    ("BD", "form", L("设备借用登记表|账号申请表|权限变更申请表|机房出入登记表|软件安装申请表")),
    ("XM", "project document", L("邮件系统迁移项目方案|VPN 升级项目计划|ERP 上线切换方案|数据中心搬迁方案")),
    ("ZL", "quality document", L("服务水平协议|IT 服务目录|运维服务质量考核办法")),
    ("BG", "service report", L("IT 服务月报|重大事件回顾报告|系统可用性报告|季度问题管理报告")),
]

SYNONYMS = """\
# kedb 同义词表（基准测试语料）：每行一组等价词，逗号或 Tab 分隔；# 开头为注释。
打印机, 印表机, 印表機, printer
复合机, 多功能一体机, 事務機, 複合機, MFP
卡纸, 卡紙, 夹纸, paper jam
脱机, 離線, 离线, 脫機, offline
蓝屏, 藍屏, BSOD, blue screen
死机, 當機, hang, freeze
重启, 重新启动, 重新開機, restart, reboot
网络, 網路, 网路, 網絡, network
无线, 無線, WiFi, Wi-Fi, WLAN, wireless
服务器, 伺服器, 服務器, server
数据库, 資料庫, 數據庫, database
补丁, 修补程序, 修補程式, patch, hotfix
驱动程序, 驱动, 驅動程式, 驅動, driver
证书, 證書, 憑證, certificate
软件, 軟體, 軟件, software
浏览器, 瀏覽器, browser
密码, 密碼, password, 口令
账号, 帐号, 帳號, 账户, 帐户, 帳戶, account
登录, 登入, 登陆, 登錄, login, log in, sign in
用户, 用戶, 使用者, user
管理员, 管理員, administrator, admin
多因素认证, 多因素驗證, 双因素认证, MFA, 2FA
邮件, 郵件, 电子邮件, 電子郵件, email, e-mail, mail
邮箱, 信箱, 郵箱, mailbox
附件, attachment
钉钉, 釘釘, DingTalk
企业微信, 企業微信, WeCom
笔记本, 笔记本电脑, 筆電, laptop
显示器, 顯示器, monitor
硬盘, 硬碟, hard drive, HDD
防火墙, 防火牆, firewall
代理服务器, 代理伺服器, proxy
网络驱动器, 網路磁碟機, 映射驱动器, network drive, mapped drive
共享文件夹, 共用資料夾, shared folder
打印后台处理程序, 列印多工緩衝處理器, Print Spooler, spooler
安装, 安裝, install
卸载, 解除安裝, 卸載, uninstall
病毒, virus
钓鱼邮件, 釣魚郵件, phishing
服务台, 服務台, service desk, help desk
"""

# ---------------------------------------------------------------------------------------------
# Traditional Chinese: phrase map (Taiwan usage) applied first, then a character map.
# Generated by bench/update_trad.py with OpenCC (s2twp phrases, s2tw characters); rerun it after
# changing the vocabulary.
# ---------------------------------------------------------------------------------------------
# BEGIN TRAD
TRAD_PHRASES = {
    "一位用户": "一位使用者", "临时文件": "臨時檔案", "主板": "主機板", "事件查看器": "事件檢視器", "二线支持": "二線支援",
    "互联网": "網際網路", "人力资源部用户": "人力資源部使用者", "代理服务器": "代理伺服器", "代码": "程式碼", "任务栏": "工作列",
    "供应商主数据": "供應商主資料", "信号": "訊號", "信息": "資訊", "全角": "全形", "共享打印机": "共享印表機", "共享文件夹": "共享資料夾",
    "兼容": "相容", "兼容模式": "相容模式", "内存": "記憶體", "分公司用户": "分公司使用者", "刷新": "重新整理", "前台": "前臺",
    "剪贴板": "剪貼簿", "加载": "載入", "半角": "半形", "单点登录": "單點登入", "卸载": "解除安裝", "双面打印": "雙面列印",
    "反复": "反覆", "发送": "傳送", "后台作业": "後臺作業", "命令行": "命令列", "固件": "韌體", "壁纸": "桌布", "复合机": "複合機",
    "多名用户": "多名使用者", "字体": "字型", "存储": "儲存", "家庭网络": "家庭網路", "宽带": "寬頻", "密钥": "金鑰",
    "对话框": "對話方塊", "导入": "匯入", "导出": "匯出", "局域网": "區域網", "屏幕": "螢幕", "屏幕共享": "螢幕共享", "帐号": "帳號",
    "带宽": "頻寬", "归档日志": "歸檔日誌", "恢复分区": "恢復分割槽", "打印": "列印", "打印任务": "列印任務",
    "打印后台处理程序": "列印後臺處理程式", "打印机": "印表機", "打印队列": "列印佇列", "打开": "開啟", "托盘图标": "托盤圖示",
    "扩展坞": "擴充套件塢", "接口": "介面", "插件": "外掛", "支持": "支援", "数据": "資料", "数据库": "資料庫",
    "数据防泄漏": "資料防洩漏", "文件": "檔案", "文件传输": "檔案傳輸", "文件关联": "檔案關聯", "文件夹": "資料夾",
    "文件服务器": "檔案伺服器", "日历": "日曆", "日志": "日誌", "服务台": "服務台", "服务器": "伺服器", "杀毒软件": "防毒軟體",
    "标签": "標籤", "模块": "模組", "死机": "當機", "注册": "註冊", "注册表": "登錄檔", "注销": "登出", "消息": "訊息",
    "激活": "啟用", "环境变量": "環境變數", "用户": "使用者", "用户名": "使用者名稱", "用户锁定": "使用者鎖定", "电源适配器": "電源介面卡",
    "界面": "介面", "登录": "登入", "短信": "簡訊", "硬件": "硬體", "硬盘": "硬碟", "磁盘": "磁碟", "磁盘空间": "磁碟空間",
    "程序": "程式", "窗口": "視窗", "端口": "埠", "缓存": "快取", "网关": "閘道器", "网卡": "網路卡", "网络": "網路",
    "网络打印机": "網路印表機", "网络驱动器": "網路驅動器", "脱机": "離線", "脱机文件": "離線檔案", "自动回复": "自動回覆", "花屏": "破圖",
    "菜单": "選單", "蓝牙": "藍芽", "虚拟机": "虛擬機器", "虚拟网卡": "虛擬網路卡", "视频": "影片", "设备管理器": "裝置管理器",
    "设置": "設定", "请用户": "請使用者", "调用": "呼叫", "财务部用户": "財務部使用者", "软件": "軟體", "软件中心": "軟體中心",
    "运维平台": "運維平臺", "远程办公": "遠端辦公", "连接": "連線", "连接池": "連線池", "配置文件": "配置檔案", "酒店网络": "酒店網路",
    "采购部用户": "採購部使用者", "重复": "重複", "链接": "連結", "项目": "專案", "驱动程序": "驅動程式", "高级": "高階",
    "默认": "預設", "默认值": "預設值", "默认程序": "預設程式", "鼠标": "滑鼠",
}
TRAD_CHARS = (
    "与专业东丢两个临为丽书乱云产从仓仪价会伟传体储关内册写军冯冲决准凭击划刘则刚创删别办务动"
    "区华协单占厂历压双发变叠号叹后听启吴员响啸围国图场坏块坞垒墙声处备复头夹孙实审宽对导寿将"
    "尔尝尽属岗师带干并广庆库应开异张强归当录径态总户托执扩扫扬扰报拟拦拨挂损换据摄数断无旧时"
    "显暂机杀杂权条来杨杰构枪柜标栏树档梦检残毁汉没泄测浏涛游滚满灵灾点热状猫环现电监盖盘码础"
    "确离积税笔签紧纤级纪纳纸纹线组终经结络绝统继续维缀缓编缩网罗职联脑脚脱腾艳艺节苏范获蓝虚"
    "补装见规视览触计订认议讯记许设访证评识诊试话询该详误说请读调谢负财责败账货质购贴资赖赵转"
    "轮软载辊输达迁过运还进远连迟适邓邮郑采释钉钓钟钥钮银链销锁锐错键镜长门闪闭问闲间闸阅阈队"
    "陈随隐静韩页项顺顾顿颁预领频题额风飞馈马驱验骤鱼麦黄龄"
    ,
    "與專業東丟兩個臨為麗書亂雲產從倉儀價會偉傳體儲關內冊寫軍馮衝決準憑擊劃劉則剛創刪別辦務動"
    "區華協單佔廠歷壓雙發變疊號嘆後聽啟吳員響嘯圍國圖場壞塊塢壘牆聲處備復頭夾孫實審寬對導壽將"
    "爾嘗盡屬崗師帶幹並廣慶庫應開異張強歸當錄徑態總戶託執擴掃揚擾報擬攔撥掛損換據攝數斷無舊時"
    "顯暫機殺雜權條來楊傑構槍櫃標欄樹檔夢檢殘毀漢沒洩測瀏濤遊滾滿靈災點熱狀貓環現電監蓋盤碼礎"
    "確離積稅筆簽緊纖級紀納紙紋線組終經結絡絕統繼續維綴緩編縮網羅職聯腦腳脫騰豔藝節蘇範獲藍虛"
    "補裝見規視覽觸計訂認議訊記許設訪證評識診試話詢該詳誤說請讀調謝負財責敗賬貨質購貼資賴趙轉"
    "輪軟載輥輸達遷過運還進遠連遲適鄧郵鄭採釋釘釣鍾鑰鈕銀鏈銷鎖銳錯鍵鏡長門閃閉問閒間閘閱閾隊"
    "陳隨隱靜韓頁項順顧頓頒預領頻題額風飛饋馬驅驗驟魚麥黃齡"
)
# END TRAD

_TRAD_RE = None
_TRAD_TABLE = None


def to_trad(text):
    global _TRAD_RE, _TRAD_TABLE
    if _TRAD_RE is None:
        keys = sorted(TRAD_PHRASES, key=len, reverse=True)
        _TRAD_RE = re.compile("|".join(re.escape(k) for k in keys)) if keys else None
        _TRAD_TABLE = str.maketrans(TRAD_CHARS[0], TRAD_CHARS[1])
    if _TRAD_RE is None:
        return text.translate(_TRAD_TABLE)
    out, pos = [], 0
    for m in _TRAD_RE.finditer(text):  # phrases are final: their output is not re-mapped
        out.append(text[pos:m.start()].translate(_TRAD_TABLE))
        out.append(TRAD_PHRASES[m.group(0)])
        pos = m.end()
    out.append(text[pos:].translate(_TRAD_TABLE))
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Sampling helpers
# ---------------------------------------------------------------------------------------------


class Zipf:
    """Samples from a ranked list with weight 1/(rank+q)^s."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items, s=1.0, q=1.0):
        self.items = items
        cum, acc = [], 0.0
        for r in range(len(items)):
            acc += 1.0 / (r + q) ** s
            cum.append(acc)
        self.cum = cum
        self.total = acc

    def __call__(self, rng):
        return self.items[bisect.bisect(self.cum, rng.random() * self.total)]


Z_NOUN_ZH = Zipf(NOUN_ZH, 1.05)
Z_VERB_ZH = Zipf(VERB_ZH, 0.9)
Z_STATE_ZH = Zipf(STATE_ZH, 0.9)
Z_NOUN_EN = Zipf(NOUN_EN, 1.0)
Z_VERB_EN = Zipf(VERB_EN, 0.9)
Z_STATE_EN = Zipf(STATE_EN, 0.9)
TOPIC_Z = {}
for _t in TOPICS:
    TOPIC_Z[_t["key"]] = {k: Zipf(_t[k], 0.5 if k == "codes" else 0.8) for k in
                          ("products", "codes", "zh", "en", "sym_zh", "sym_en", "cause_zh",
                           "cause_en", "step_zh", "step_en", "fix_zh", "fix_en")}
TOPIC_CUM = list(itertools.accumulate(t["w"] for t in TOPICS))

TYPE_CUM = [(0.60, "known_error"), (0.75, "article"), (0.95, "ticket"), (1.0, "document")]
PREFIX = {"known_error": "KE", "article": "ART", "ticket": "INC", "document": "YW"}


def doc_rng(seed, i):
    return random.Random(seed * 1_000_003 + i)


def doc_type(seed, i):
    x = doc_rng(seed, i).random()  # the first draw of the document's generator
    for cut, t in TYPE_CUM:
        if x < cut:
            return t
    return "document"


def rand_date(rng, y0=2019, y1=2026):
    y = rng.randint(y0, y1)
    m = rng.randint(1, 10 if y == y1 else 12)
    d = rng.randint(1, 28)
    return "%04d-%02d-%02d" % (y, m, d)


def person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


_YAML_START = re.compile(r"[-?:,\[\]{}#&*!|>'\"%@`]")


def yq(s, in_list=False):
    """A YAML scalar, single-quoted when plain style would change or break it. In a flow list,
    number-like items are quoted so that they stay strings (error code '809')."""
    if (not s or s != s.strip() or _YAML_START.match(s) or ": " in s or s.endswith(":") or " #" in s
            or (in_list and (re.search(r"[,\[\]{}]", s) or re.fullmatch(r"[0-9.+\-eE]+", s)))):
        return "'" + s.replace("'", "''") + "'"
    return s


def ylist(items):
    return "[" + ", ".join(yq(x, True) for x in items) + "]"


# ---------------------------------------------------------------------------------------------
# Text generation
# ---------------------------------------------------------------------------------------------


class Gen:
    """Generates one document. All randomness comes from self.r."""

    def __init__(self, seed, i, pools, width):
        self.r = doc_rng(seed, i)
        self.seed = seed
        self.i = i
        self.pools = pools
        self.width = width
        x = self.r.random()  # must stay the first draw: doc_type() relies on it
        self.type = next(t for cut, t in TYPE_CUM if x < cut) if x < 1.0 else "document"
        ti = bisect.bisect(TOPIC_CUM, self.r.random() * TOPIC_CUM[-1])
        self.t = TOPICS[ti]
        self.z = TOPIC_Z[self.t["key"]]
        lang = self.r.random()
        self.lang = "en" if lang < 0.20 else ("tw" if lang < 0.28 else "zh")
        if self.type == "document" and self.lang == "en":
            self.lang = "zh"  # controlled documents are Chinese
        self.glue = self.r.random() < 0.3  # Latin glued to Han without spaces
        self.prods = self._distinct(self.z["products"], self.r.randint(1, 3))
        self.codes = self._pick_codes()

    def _distinct(self, z, n):
        out = []
        for _ in range(n * 4):
            x = z(self.r)
            if x not in out:
                out.append(x)
            if len(out) == n:
                break
        return out

    def _pick_codes(self):
        r = self.r
        n = r.choice([0, 1, 1, 1, 2, 2, 3]) if self.type != "document" else 0
        out = []
        for _ in range(n):
            if r.random() < 0.6:
                c = self.z["codes"](r)
            else:
                c = r.choice(self.pools[r.choice(self.t["gen"])])
            if c not in out:
                out.append(c)
        return out

    # --- phrases ---

    def lat(self, s):
        """Latin text inside Chinese: with or without surrounding spaces."""
        return s if self.glue else " " + s + " "

    def prod(self):
        return self.prods[0] if self.r.random() < 0.6 else self.z["products"](self.r)

    def code(self):
        if self.codes and self.r.random() < 0.7:
            return self.r.choice(self.codes)
        return self.z["codes"](self.r)

    def noun_zh(self):
        x = self.r.random()
        if x < 0.016:
            return self.r.choice(RARE_ZH)
        return self.z["zh"](self.r) if x < 0.45 else Z_NOUN_ZH(self.r)

    def noun_en(self):
        x = self.r.random()
        if x < 0.016:
            return self.r.choice(RARE_EN)
        return self.z["en"](self.r) if x < 0.45 else Z_NOUN_EN(self.r)

    def two_nouns_zh(self):
        a = self.noun_zh()
        b = self.noun_zh()
        return a, (b if b != a else self.noun_zh())

    def clause_zh(self):
        r = self.r
        k = r.random()
        if k < 0.22:
            a, b = self.two_nouns_zh()
            return a + r.choice(MODAL_ZH) + Z_VERB_ZH(r) + b
        if k < 0.38:
            return Z_VERB_ZH(r) + self.noun_zh() + "时提示" + Z_STATE_ZH(r)
        if k < 0.52:
            return self.noun_zh() + Z_VERB_ZH(r) + Z_STATE_ZH(r)
        if k < 0.62:
            return r.choice(WHEN_ZH) + r.choice(WHO_ZH) + r.choice(MODAL_ZH) + Z_VERB_ZH(r) + self.noun_zh()
        if k < 0.70:
            a, b = self.two_nouns_zh()
            return "在" + a + "中" + Z_VERB_ZH(r) + b + "后出现" + Z_STATE_ZH(r)
        if k < 0.78:
            return "使用" + self.lat(self.prod()) + Z_VERB_ZH(r) + self.noun_zh() + "时提示" + self.lat(self.code())
        if k < 0.86:
            return self.noun_zh() + Z_STATE_ZH(r) + "的问题" + r.choice(("已确认", "仍然存在", "多次出现", "影响业务"))
        if k < 0.93:
            return r.choice(LINK_ZH) + self.noun_zh() + Z_STATE_ZH(r)
        a, b = self.two_nouns_zh()
        return r.choice(ROLE_TAIL_ZH) + "检查" + a + "和" + b

    def sentence_zh(self):
        n = self.r.choice((1, 2, 2, 3))
        return "，".join(self.clause_zh() for _ in range(n)) + "。"

    def clause_en(self):
        r = self.r
        k = r.random()
        if k < 0.25:
            return "the %s %s %s the %s" % (self.noun_en(), r.choice(MODAL_EN), Z_VERB_EN(r), self.noun_en())
        if k < 0.45:
            return "the %s %s %s" % (self.noun_en(), Z_STATE_EN(r), r.choice(WHEN_EN))
        if k < 0.60:
            return "%s %s using %s" % (self.code(), "appears when" if r.random() < 0.5 else "is shown while",
                                       self.prod())
        if k < 0.75:
            return "%s %s %s the %s" % (r.choice(WHO_EN).lower(), r.choice(MODAL_EN), Z_VERB_EN(r), self.noun_en())
        if k < 0.88:
            return "this problem affects the %s and the %s" % (self.noun_en(), self.noun_en())
        return "check the %s, the %s and the %s" % (self.noun_en(), self.noun_en(), self.noun_en())

    def sentence_en(self):
        s = self.clause_en()
        if self.r.random() < 0.4:
            s += ", and " + self.clause_en()
        return s[0].upper() + s[1:] + "."

    def sentence(self):
        return self.sentence_en() if self.lang == "en" else self.sentence_zh()

    def topical_zh(self, kind):
        r = self.r
        if kind == "sym":
            forms = (
                lambda: "%s使用%s时%s，提示“%s”。" % (r.choice(WHO_ZH), self.lat(self.prod()), self.z["sym_zh"](r),
                                                  self.code()),
                lambda: "%s%s%s。" % (r.choice(WHEN_ZH), self.lat(self.prod()), self.z["sym_zh"](r)),
                lambda: "%s反馈%s，%s。" % (r.choice(WHO_ZH), self.z["sym_zh"](r), self.clause_zh()),
            )
            return r.choice(forms)()
        if kind == "cause":
            return self.z["cause_zh"](r) + "。"
        if kind == "step":
            return self.z["step_zh"](r) + "。"
        return self.z["fix_zh"](r) + "。"

    def topical_en(self, kind):
        r = self.r
        if kind == "sym":
            s = "%s reports that %s %s (%s)." % (r.choice(WHO_EN), self.prod(), self.z["sym_en"](r), self.code())
            return s
        if kind == "cause":
            s = self.z["cause_en"](r)
            return s[0].upper() + s[1:] + "."
        s = self.z["step_en" if kind == "step" else "fix_en"](r)
        return s[0].upper() + s[1:] + "."

    def topical(self, kind):
        return self.topical_en(kind) if self.lang == "en" else self.topical_zh(kind)

    def title(self):
        r = self.r
        p = self.prods[0]
        c = self.codes[0] if self.codes else ""
        if self.lang == "en":
            s = "%s %s" % (p, self.z["sym_en"](r))
            if c and r.random() < 0.6:
                s += " (%s)" % c
            return s
        sym = self.z["sym_zh"](r)
        forms = [p + " " + sym, p + sym, sym + "（" + p + "）"]
        if c:
            forms += ["%s %s，错误 %s" % (p, sym, c), "%s 报错 %s：%s" % (p, c, sym)]
        return r.choice(forms)

    # --- documents ---

    def para(self, kind, n_topical, n_filler):
        parts = [self.topical(kind) for _ in range(n_topical)]
        parts += [self.sentence() for _ in range(n_filler)]
        self.r.shuffle(parts)
        return "".join(parts) if self.lang != "en" else " ".join(parts)

    def steps(self, n):
        out = []
        for _ in range(n * 3):
            s = self.topical("step") if self.r.random() < 0.7 else self.sentence()
            if s not in out:
                out.append(s)
            if len(out) == n:
                break
        return "\n".join("%d. %s" % (k + 1, s) for k, s in enumerate(out))

    def front(self, fields):
        lines = ["---"]
        for k, v in fields:
            if v is None or v == "" or v == []:
                continue
            if isinstance(v, list):
                lines.append("%s: %s" % (k, ylist(v)))
            else:
                lines.append("%s: %s" % (k, yq(str(v))))
        lines.append("---")
        return "\n".join(lines) + "\n"

    def tags(self):
        out = self._distinct(self.z["en" if self.lang == "en" else "zh"], self.r.randint(2, 4))
        if self.lang == "tw":
            out.append("繁體")
        return out

    def owner(self):
        if self.lang == "en":
            return self.r.choice(TEAMS_EN)
        return self.t["team"]

    def doc_id(self):
        n = "%0*d" % (self.width, self.i + 1)
        if self.type == "ticket":
            return "INC-%s-%s" % (self.updated.replace("-", ""), n)
        if self.type == "document":
            return "YW-%s-%s" % (self.kind[0], n)
        return "%s-%s" % (PREFIX[self.type], n)

    def status(self):
        x = self.r.random()
        if self.type == "ticket":
            return "closed"
        if self.type == "document":
            return "published" if x < 0.7 else ("in_review" if x < 0.78 else
                                                ("superseded" if x < 0.9 else ("scrapped" if x < 0.95 else "draft")))
        return "published" if x < 0.85 else ("draft" if x < 0.92 else "retired")

    def build(self):
        r = self.r
        self.updated = rand_date(r)
        self.kind = r.choice(DOC_KINDS)
        target = r.randint(1024, 3072)
        if self.type == "known_error":
            head, secs = self.known_error()
        elif self.type == "article":
            head, secs = self.article()
        elif self.type == "ticket":
            head, secs = self.ticket()
        else:
            head, secs = self.document()
        # secs: [heading, text]; a heading ending in FIXED marks a list or table that does not
        # grow.
        if self.lang == "tw":
            head = to_trad(head)
            secs = [[to_trad(h), to_trad(b)] for h, b in secs]
        size = len(head.encode()) + sum(len(h.encode()) + len(b.encode()) + 3 for h, b in secs)
        # Grow the prose sections until the file reaches its target size.
        grow = [k for k, (h, _) in enumerate(secs) if not h.endswith(FIXED)]
        guard = 0
        while size < target and grow and guard < 200:
            guard += 1
            k = r.choice(grow)
            s = self.sentence()
            if self.lang == "tw":
                s = to_trad(s)
            sep = " " if self.lang == "en" else ""
            if secs[k][1].endswith("\n") or not secs[k][1]:
                sep = ""
            secs[k][1] += sep + s
            size += len(s.encode()) + len(sep)
        body = []
        for h, b in secs:
            body.append(h.rstrip(FIXED))
            body.append(b.rstrip("\n"))
            body.append("")
        return self.doc_id(), head + "\n".join(body)

    def known_error(self):
        en = self.lang == "en"
        title = self.title()
        fields = [("id", None), ("type", "known_error"), ("title", title), ("status", self.status()),
                  ("version", self.r.randint(1, 6)), ("updated", self.updated), ("owner", self.owner()),
                  ("products", self.prods), ("error_codes", self.codes), ("tags", self.tags())]
        fields[0] = ("id", self.doc_id())
        heads = (("## Symptoms", "## Cause", "## Workaround", "## Resolution") if en else
                 (("## 症状", "## 原因", "## 临时解决方案", "## 解决方案") if self.r.random() < 0.8 else
                  ("## 现象", "## 根本原因", "## 规避方法", "## 永久解决方案")))
        secs = [
            [heads[0], self.para("sym", self.r.randint(1, 2), self.r.randint(1, 2))],
            [heads[1], self.para("cause", 1, self.r.randint(0, 2))],
            [heads[2] + FIXED, self.steps(self.r.randint(2, 6))],
            [heads[3], self.para("fix", 1, self.r.randint(0, 1))],
        ]
        if self.r.random() < 0.3:
            secs.append(["## Affected" if en else "## 影响范围", self.sentence()])
        return self.front(fields), secs

    def article(self):
        en = self.lang == "en"
        r = self.r
        p = self.prods[0]
        if en:
            title = r.choice(("How to %s %s" % (Z_VERB_EN(r).split()[0], p),
                              "%s: frequently asked questions" % p,
                              "%s user guide" % p, "Self-service: %s and %s" % (p, self.noun_en())))
        else:
            title = r.choice(("如何%s%s" % (Z_VERB_ZH(r), self.lat(p).strip() + self.z["zh"](r)),
                              "%s 常见问题解答" % p, "%s 使用指南" % p,
                              "%s操作指南：%s%s" % (self.z["zh"](r), Z_VERB_ZH(r), self.noun_zh())))
        fields = [("id", self.doc_id()), ("type", "article"), ("title", title), ("status", self.status()),
                  ("version", r.randint(1, 4)), ("updated", self.updated), ("owner", self.owner()),
                  ("products", self.prods), ("tags", self.tags())]
        secs = [["# " + title + FIXED, self.sentence()],
                [("## Steps" if en else "## 步骤") + FIXED, self.steps(r.randint(3, 7))],
                ["## FAQ" if en else "## 常见问题", ""]]
        faq = []
        for _ in range(r.randint(1, 3)):
            q = self.clause_en() if en else self.clause_zh()
            faq.append("- **%s%s** %s" % (q[0].upper() + q[1:] if en else q, "?" if en else "？",
                                         self.topical("step")))
        secs[2][1] = "\n".join(faq) + "\n"
        secs.append(["## Notes" if en else "## 说明", self.sentence()])
        return self.front(fields), secs

    def resolved_by(self):
        for _ in range(20):
            j = self.r.randrange(0, max(1, self.i))
            if doc_type(self.seed, j) == "known_error":
                return "KE-%0*d" % (self.width, j + 1)
        return None

    def ticket(self):
        en = self.lang == "en"
        r = self.r
        city = r.choice(CITIES)
        dept = r.choice(DEPTS)
        who = person(r)
        if en:
            title = "%s: %s %s" % (city if city.isascii() else "Branch office", self.prods[0], self.z["sym_en"](r))
        else:
            title = r.choice(("%s%s用户%s" % (city, dept, self.z["sym_zh"](r)),
                              "%s %s" % (self.prods[0], self.z["sym_zh"](r)),
                              "%s反馈%s%s" % (who, self.lat(self.prods[0]).strip(), self.z["sym_zh"](r))))
        h0 = r.randint(8, 20)
        opened = "%s %02d:%02d" % (self.updated, h0, r.randint(0, 59))
        closed = "%s %02d:%02d" % (self.updated, min(23, h0 + r.randint(0, 3)), r.randint(0, 59))
        fields = [("id", self.doc_id()), ("type", "ticket"), ("title", title), ("status", "closed"),
                  ("updated", self.updated),
                  ("caller", "%s（%s，工号 %d）" % (who, dept, r.randint(100000, 199999))),
                  ("category", self.t["cat"]), ("priority", r.choice(("P2", "P3", "P3", "P3", "P4"))),
                  ("opened", opened), ("closed", closed), ("resolved_by", self.resolved_by()),
                  ("assignee", person(r) + ("（服务台）" if r.random() < 0.6 else "（" + self.t["team"] + "）")),
                  ("products", self.prods), ("error_codes", self.codes), ("tags", self.tags())]
        secs = [["## Description" if en else "## 描述", self.para("sym", 1, r.randint(1, 2))],
                [("## Resolution" if en else "## 解决过程") + FIXED, self.steps(r.randint(2, 6))]]
        secs.append(["## Notes" if en else "## 备注", self.sentence()])
        return self.front(fields), secs

    def document(self):
        r = self.r
        code, dtype, stems = self.kind
        stem = r.choice(stems)
        title = stem if r.random() < 0.5 else "%s（%s）" % (stem, self.prods[0])
        pub = rand_date(r)
        fields = [("id", self.doc_id()), ("type", "document"), ("title", title), ("doc_type", dtype),
                  ("status", self.status()), ("version", "%s/%d" % (r.choice("ABC"), r.randint(0, 3))),
                  ("updated", self.updated), ("publish_date", pub),
                  ("storage_location", "文档管理系统 > IT运维部 > 受控文件 > " + stem),
                  ("retention_period", r.choice(("3年", "5年", "长期", "3 years", "10年"))),
                  ("owner", "IT运维部 " + self.t["team"]), ("tags", self.tags())]
        secs = [["# " + title + FIXED, self.sentence()],
                ["## 1 目的", self.para("fix", 1, 1)],
                ["## 2 适用范围", self.sentence()],
                ["## 3 职责" + FIXED, "| 角色 | 职责 |\n|---|---|\n" + "\n".join(
                    "| %s | %s |" % (r.choice(("服务台", "二线支持组", "事件经理", "问题经理", self.t["team"])),
                                     self.clause_zh()) for _ in range(r.randint(2, 4)))],
                ["## 4 流程" + FIXED, self.steps(r.randint(3, 6))],
                ["## 5 记录", self.sentence()]]
        return self.front(fields), secs


# ---------------------------------------------------------------------------------------------
# Corpus writing (parallel by directory; output independent of the number of jobs)
# ---------------------------------------------------------------------------------------------

TRACK = L("问题|无法|用户|系统|网络|服务器|密码|邮件|打印机|卡纸|脱机|蓝屏|证书|数据库|凭证|"
          "搓纸轮|定影器|表空间|加密狗|扩展坞|問題|印表機|伺服器|網路|outlook|vpn|printer|password|"
          "the|0x800ccc0e|ora-01017|kb5034441|http 503")

_W = {}


def _init_worker(seed, ndocs, out):
    _W["seed"] = seed
    _W["ndocs"] = ndocs
    _W["out"] = out
    _W["pools"] = code_pools(seed)
    _W["width"] = max(6, len(str(ndocs)))


def _write_dir(d):
    seed, ndocs, out = _W["seed"], _W["ndocs"], _W["out"]
    dirpath = os.path.join(out, "d%04d" % d)
    os.makedirs(dirpath, exist_ok=True)
    df = Counter()
    types = Counter()
    nbytes = 0
    for i in range(d * PER_DIR, min(ndocs, (d + 1) * PER_DIR)):
        g = Gen(seed, i, _W["pools"], _W["width"])
        doc_id, text = g.build()
        data = text.encode()
        nbytes += len(data)
        types[g.type] += 1
        with open(os.path.join(dirpath, doc_id + ".md"), "wb") as f:
            f.write(data)
        low = text.lower()
        for t in TRACK:
            if t in low:
                df[t] += 1
    return df, types, nbytes


def write_corpus(out, ndocs, seed, jobs):
    os.makedirs(out, exist_ok=True)
    marker = os.path.join(out, ".complete")
    if os.path.exists(marker):
        os.remove(marker)
    with open(os.path.join(out, "synonyms.txt"), "w", encoding="utf-8") as f:
        f.write(SYNONYMS)
    ndirs = (ndocs + PER_DIR - 1) // PER_DIR
    t0 = time.time()
    df, types, nbytes = Counter(), Counter(), 0
    if jobs <= 1:
        _init_worker(seed, ndocs, out)
        results = map(_write_dir, range(ndirs))
        pool = None
    else:
        pool = multiprocessing.Pool(jobs, _init_worker, (seed, ndocs, out))
        results = pool.imap_unordered(_write_dir, range(ndirs))
    done = 0
    for d_df, d_types, d_bytes in results:
        df.update(d_df)
        types.update(d_types)
        nbytes += d_bytes
        done += 1
        if sys.stderr.isatty():
            sys.stderr.write("\rgen_corpus: %d/%d directories" % (done, ndirs))
    if pool:
        pool.close()
        pool.join()
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    secs = time.time() - t0
    lines = ["docs %d  seed %d  bytes %d  avg %.0f B  %.1f s" % (ndocs, seed, nbytes, nbytes / max(1, ndocs), secs),
             "types " + "  ".join("%s %d" % (k, types[k]) for k in sorted(types)),
             "document frequency of tracked terms (substring, case-insensitive):"]
    for t in TRACK:
        lines.append("  %-12s %7d  %5.1f%%" % (t, df[t], 100.0 * df[t] / max(1, ndocs)))
    with open(os.path.join(out, ".stats.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(marker, "w") as f:
        f.write("%d %d\n" % (ndocs, seed))
    return lines


# ---------------------------------------------------------------------------------------------
# Query mix
# ---------------------------------------------------------------------------------------------


def make_queries(seed):
    """The benchmark query mix: (class, query) pairs from the corpus vocabulary."""
    r = random.Random(seed * 31 + 5)
    pools = code_pools(seed)
    T = {t["key"]: t for t in TOPICS}
    q = []

    def add(cls, items):
        seen = set(x for c, x in q if c == cls)
        for x in items:
            x = " ".join(x.split())
            if x and x not in seen:
                seen.add(x)
                q.append((cls, x))

    def heads(key, field, n=2):
        return T[key][field][:n]

    def tails(key, field, n=2):
        return T[key][field][-n:]

    # zh1: one Chinese word. Frequent background words, topic heads (mid), topic tails (rare).
    zh1 = ["问题", "无法", "用户", "系统", "网络", "服务器", "密码", "邮件", "电脑", "账号"]
    zh1 += [T[k]["zh"][i] for k in ("printer", "windows", "account", "db", "erp", "vpn", "hardware",
                                    "security") for i in (1, 2)]
    zh1 += [T[k]["zh"][-1] for k in ("printer", "db", "erp", "hardware", "collab", "storage", "web")]
    zh1 += ["搓纸轮", "表空间", "加密狗"] + r.sample(RARE_ZH, 6)
    zh1 += ["問題", "印表機", "伺服器", "網路"]
    add("zh1", zh1)

    # zh2 / zh3: words of one topic (likely together), frequent pairs, frequent + rare.
    zh2 = ["系统 问题", "用户 无法", "无法 登录", "网络 问题", "服务器 连接", "打印机 卡纸", "打印机 脱机",
           "邮件 发送", "密码 重置", "账号 锁定", "蓝屏 重启", "数据库 监听", "凭证 过账", "证书 过期",
           "问题 定影器", "无法 表空间", "用户 加密狗", "印表機 卡紙", "網路 斷線", "密碼 重設"]
    for k in ("printer", "mail", "vpn", "network", "windows", "account", "sap", "erp", "db", "web"):
        a, b = r.sample(T[k]["zh"][:8], 2)
        zh2.append(a + " " + b)
    add("zh2", zh2)
    zh3 = ["用户 无法 登录", "系统 问题 服务器", "打印机 卡纸 驱动", "邮件 发送 失败", "网络 无法 连接",
           "账号 密码 锁定", "数据库 表空间 不足", "财务 凭证 结账", "无线 网络 断开", "蓝屏 重启 驱动",
           "问题 用户 系统", "印表機 脫機 驅動"]
    for k in ("printer", "mail", "vpn", "network", "windows", "account", "erp", "db"):
        zh3.append(" ".join(r.sample(T[k]["zh"][:10], 3)))
    add("zh3", zh3)

    # English words and product names.
    en1 = ["outlook", "exchange", "printer", "vpn", "password", "certificate", "timeout", "sap",
           "oracle", "bitlocker", "spooler", "firmware", "Teams", "Foxmail", "hypervisor", "autocad",
           "anyconnect", "user", "the"] + r.sample([w for w in RARE_EN if " " not in w], 3)
    add("en1", en1)
    en2 = ["outlook password", "vpn certificate", "print spooler", "windows update", "sql server",
           "paper jam", "shared mailbox", "blue screen", "docking station", "hp laserjet",
           "user account", "the server", "cannot connect", "group policy", "connection pool",
           "Microsoft Teams", "Oracle 19c", "Windows 11", "SAP GUI", "scan folder"]
    add("en2", en2)
    en3 = ["outlook cannot send", "vpn connection timeout", "hp laserjet m404dn", "print queue stuck",
           "windows update fails", "account locked out", "reset the password", "the user cannot",
           "ost file corrupted", "sap purchase order", "exchange online mailbox", "bitlocker recovery key",
           "scan to folder", "oracle listener tablespace", "teams screen sharing"]
    add("en3", en3)

    # Error codes: well-known fixed ones and long-tail pool codes.
    code = ["0x800CCC0E", "0x800ccc0e", "ORA-01017", "ora-12541", "KB5034441", "0x80070643", "HTTP 503",
            "809", "691", "18456", "13.A2.D4", "0x0000011b", "AADSTS50126", "CRITICAL_PROCESS_DIED",
            "LIC-001", "DBIF_RSQL_SQL_ERROR", "0x80070005", "1603", "2000-0142"]
    for fam in ("hexwin", "hex800c", "ora", "kb", "aad", "ptr", "cve", "sapmsg"):
        code.append(r.choice(pools[fam]))
    add("code", code)

    mixed = ["outlook 0x800ccc0e", "打印机 卡纸 HP", "VPN 809 无法连接", "用友U8 登录", "Oracle ORA-01017 密码",
             "Outlook 无法发送", "HP LaserJet 脱机", "SAP 凭证 过账", "Windows 11 蓝屏", "KB5034441 安装失败",
             "企业微信 登录", "钉钉 打卡", "Exchange 邮箱 已满", "VPN 证书", "BitLocker 恢复密钥",
             "SQL Server 18456", "IE11 门户 空白页", "Teams 会议 麦克风", "印表機 HP", "網路 VPN",
             "用户 outlook", "问题 0x80070643", "系统 windows", "AnyConnect 掉线", "WPS 闪退"]
    add("mixed", mixed)

    # Search as you type: partial last words (Latin prefix, partial Chinese words, codes).
    prefix = ["outl", "exch", "prin", "pass", "certif", "bitl", "anyc", "0x800c", "ora-0", "kb50",
              "打印", "打", "蓝", "服务", "证", "数据", "outlook pass", "vpn cer", "打印机 卡",
              "用户 无", "hp laser", "windows up", "sap gu", "印表", "ad"]
    add("prefix", prefix)

    # Extras: words that never occur together (AND finds nothing: relaxation) and typos.
    miss = ["打印机 表空间 钉钉", "outlook ORA-01017", "搓纸轮 VPN 证书", "蓝屏 凭证 过账 麦克风",
            "0x800CCC0E 13.A2.D4", "zzqx unknownterm", "硒鼓 AADSTS50126"]
    add("miss", miss)
    typo = ["outlok", "pasword", "certficate", "exchagne", "bitlockr", "printr spooler",
            "firewal", "databse"]
    add("typo", typo)
    return q


def write_queries(path, seed):
    qs = make_queries(seed)
    with open(path, "w", encoding="utf-8") as f:
        f.write("# kedb benchmark query mix: class<TAB>query. Generated by bench/gen_corpus.py "
                "--queries (seed %d).\n" % seed)
        for c, x in qs:
            f.write("%s\t%s\n" % (c, x))
    return len(qs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="directory to write the corpus into")
    ap.add_argument("--docs", type=int, default=100000, help="number of documents (default 100000)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    ap.add_argument("--queries", help="also write the query mix to this file")
    ap.add_argument("--queries-only", action="store_true", help="write only the query mix")
    a = ap.parse_args(argv)
    if a.queries_only and not a.queries:
        ap.error("--queries-only needs --queries FILE")
    if not a.queries_only and not a.out:
        ap.error("--out DIR is required")
    if a.docs < 1:
        ap.error("--docs must be at least 1")
    if a.queries:
        n = write_queries(a.queries, a.seed)
        print("gen_corpus: %d queries -> %s" % (n, a.queries))
    if a.queries_only:
        return 0
    lines = write_corpus(a.out, a.docs, a.seed, max(1, a.jobs))
    print("gen_corpus: %s -> %s" % (lines[0], a.out))
    print("gen_corpus: " + lines[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
