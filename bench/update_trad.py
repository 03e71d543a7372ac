#!/usr/bin/env python3
"""Regenerates the Traditional Chinese tables embedded in bench/gen_corpus.py.

Run after changing gen_corpus.py's vocabulary; needs the OpenCC command-line tool (Debian
package opencc). Rewrites the block between '# BEGIN TRAD' and '# END TRAD':

  TRAD_CHARS    character map (OpenCC s2tw) for every Han character in the generator's
                vocabulary and templates, except 台 (kept: 台北, 服务台)
  TRAD_PHRASES  Taiwan wording (OpenCC s2twp) for the vocabulary words where it differs
                from the character map (打印机 -> 印表機, 服务器 -> 伺服器), minus a few
                conversions that are wrong out of context, plus fixed ones
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "gen_corpus.py")
sys.path.insert(0, HERE)
import gen_corpus as g  # noqa: E402

# s2twp results that are wrong or odd without context.
DROP = set(g.L("实例|信道|蓝屏|开机蓝屏|复印|保存|创建|查看|访问|线程|执行|运行|权限|管理员权限|映射|"
               "控件|进程|镜像"))
FIXED = {"网卡": "網路卡", "虚拟网卡": "虛擬網路卡", "死机": "當機", "服务台": "服務台"}
# Common words inside the generator's sentences that have a Taiwan form.
EXTRA = g.L("文件|默认|信息|程序|网络|软件|支持|设置|连接|屏幕|鼠标|内存|硬盘|磁盘|用户|服务器|打印机|打印|"
            "数据库|数据|视频|短信|质量|代码|文件夹|菜单|窗口|界面|网卡|硬件|激活|高级|注销|线程|进程|"
            "运行|执行|调用|访问|默认值|登录|账户|帐号|账号|邮件|宽带|项目|资源管理器|任务栏|"
            "设备管理器|控制面板|命令行|局域网|互联网|存储|加载|查看|配置文件|全角|半角")


def opencc(cfg, items):
    out = subprocess.run(["opencc", "-c", cfg], input="\n".join(items) + "\n",
                         capture_output=True, text=True, check=True).stdout
    res = out.split("\n")[:len(items)]
    assert len(res) == len(items)
    return res


def main():
    src = open(TARGET, encoding="utf-8").read()
    body = src.split('SYNONYMS = """')[0] + src.split("# END TRAD")[1]
    han = sorted(set(re.findall(r"[\u3400-\u9fff]", body)))
    chars = [(a, "簽" if a == "签" else b) for a, b in zip(han, opencc("s2tw.json", han))
             if a != b and len(b) == 1 and a != "台"]
    cmap = str.maketrans("".join(a for a, _ in chars), "".join(b for _, b in chars))
    words = set(EXTRA)
    lists = [g.NOUN_ZH, g.VERB_ZH, g.STATE_ZH, g.MODAL_ZH, g.WHO_ZH, g.ROLE_TAIL_ZH]
    lists += [t["zh"] for t in g.TOPICS]
    for lst in lists:
        for w in lst:
            words.update(re.findall(r"[\u4e00-\u9fff]{2,}", w))
    words = sorted(w for w in words if w not in DROP)
    phrases = {a: b for a, b in zip(words, opencc("s2twp.json", words)) if b != a.translate(cmap)}
    phrases.update(FIXED)

    lines = ["TRAD_PHRASES = {"]
    cur = "   "
    for a, b in sorted(phrases.items()):
        item = ' "%s": "%s",' % (a, b)
        if len(cur) + len(item) > 96:
            lines.append(cur.rstrip())
            cur = "   "
        cur += item
    lines += [cur.rstrip(), "}", "TRAD_CHARS = ("]
    left = "".join(a for a, _ in chars)
    right = "".join(b for _, b in chars)
    lines += ['    "%s"' % left[k:k + 44] for k in range(0, len(left), 44)]
    lines.append("    ,")
    lines += ['    "%s"' % right[k:k + 44] for k in range(0, len(right), 44)]
    lines.append(")")
    pre, rest = src.split("# BEGIN TRAD\n")
    _, post = rest.split("# END TRAD")
    new = pre + "# BEGIN TRAD\n" + "\n".join(lines) + "\n# END TRAD" + post
    if new != src:
        with open(TARGET, "w", encoding="utf-8") as f:
            f.write(new)
    print("update_trad: %d characters, %d phrases%s" % (len(chars), len(phrases),
                                                         "" if new != src else " (unchanged)"))


if __name__ == "__main__":
    main()
