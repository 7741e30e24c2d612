#!/usr/bin/env python3
"""Turns a plan written as text (the Tainan D-level school plan that the demo school follows)
into a plan template for catalog/plan-templates/.

Run once when a city publishes a new template:
    scripts/seed-to-template.py catalog/plan-templates/sources/xiaying-es-plan.txt \
        > catalog/plan-templates/tainan-school-d.toml
then review the output: the structure is read from the plan's own numbering (壹、 一、 (一)),
tables from tab-separated lines, and the school's name and level are replaced by the
placeholders {機關名稱} and {責任等級} so that a new agency's plan names itself.

Sections are tagged with the statutory items of 施行細則 §9 I (2021: §6 I) they answer and,
where lint needs it, a topic. Clauses of the control chapters that state a frequency carry it
as data ("yearly", "quarterly", ...), for the obligations catalog.
"""
import json
import re
import sys

CHAPTERS = "壹 貳 參 肆 伍 陸 柒 捌 玖 壹拾 壹拾壹 壹拾貳 壹拾參 壹拾肆 壹拾伍 壹拾陸 壹拾柒".split()
CN = "一 二 三 四 五 六 七 八 九 十".split()

# chapter (1-based) or "chapter.section" → (statutory items answered, topic)
TAGS = {
    "1": ([], "basis"),
    "2": ([], "scope"),
    "3": ([1], "core-business"),
    "4": ([2], "policy"),
    "5.1": ([5], "ciso"),
    "5.2": ([3], "organisation"),
    "6": ([4], "staffing"),
    "7": ([6], "inventory"),
    "8": ([7], "risk"),
    "9": ([8], "controls"),
    "10": ([9], "incident"),
    "11": ([10], "intel"),
    "12": ([11], "outsourcing"),
    "13": ([], "training"),
    "13.1": ([], "training-requirements"),
    "14": ([12], "personnel"),
    "15": ([13], "improvement"),
    "16": ([], "report"),
    "17": ([], "references"),
}

RECURRENCES = [
    (r"每年|年度", "yearly"),
    (r"每半年|半年", "half-yearly"),
    (r"每季", "quarterly"),
    (r"每月", "monthly"),
    (r"90\s*天|九十天|3\s*個月", "every 90 days"),
    (r"定期", "periodic"),
]


def chapter_of(line):
    for i, c in reversed(list(enumerate(CHAPTERS))):
        if re.match(rf"^\s*{c}、", line):
            return i + 1, re.sub(rf"^\s*{c}、\s*", "", line).strip()
    return None


def section_of(line):
    m = re.match(r"^\s*([一二三四五六七八九十]+)、\s*(.+)$", line)
    if m and len(m.group(2)) <= 30 and not m.group(2).endswith("。"):
        return CN.index(m.group(1)) + 1 if m.group(1) in CN else None, m.group(2).strip("：: ")
    return None


def subsection_of(line):
    """A (一) heading: its title, or "" for a run-in item whose text follows the number (the
    text then becomes the section's first paragraph)."""
    m = re.match(r"^\s*[(（]([一二三四五六七八九十]+)[)）]\s*(.+)$", line)
    if not m:
        return None
    if len(m.group(2)) <= 20 and not re.search(r"[，。]", m.group(2)):
        return (m.group(2).strip(), None)
    return ("", m.group(2).strip())


def placeholders(text, agency, level):
    text = text.replace(agency, "{機關名稱}")
    text = re.sub(r"(等級(?:分級)?[為屬]?)(\s*)[A-E](\s*)級", r"\1\2{責任等級}\3級", text)
    return text


def recurrence(text):
    for pattern, value in RECURRENCES:
        if re.search(pattern, text):
            return value
    return None


def joinable(prev, line):
    """Lines of one paragraph that the text wrapped: the previous one ends mid-sentence and the
    next one does not start a numbered item."""
    if re.match(r"^\s*(-\s*)?([0-9]+\.|[(（][0-9一二三四五六七八九十]+[)）]|[A-Z]\.)", line):
        return False
    return not re.search(r"[。：:；;]$", prev.strip())


def main():
    seed = open(sys.argv[1], encoding="utf-8").read().splitlines()
    agency = sys.argv[2] if len(sys.argv) > 2 else "臺南市下營區下營國民小學"
    # The body starts at the second 壹、 (the first is in the table of contents).
    starts = [i for i, l in enumerate(seed) if re.match(r"^\s*壹、", l)]
    body = seed[starts[1]:]
    sections = []  # dicts: depth, title, path, blocks
    cur = None
    chap = sec = sub = 0
    pending = []  # lines of the current block

    def flush():
        nonlocal pending
        if not pending or cur is None:
            pending = []
            return
        rows = [l for l in pending if "\t" in l]
        if rows and len(rows) == len(pending):
            cells = [[c.strip() for c in l.split("\t")] for l in rows if not re.match(r"^[-\s\t]+$", l)]
            last = cur["blocks"][-1] if cur["blocks"] else None
            if last and "table" in last and len(last["table"][0]) == len(cells[0]):
                last["table"].extend(cells)  # a table the text broke with a blank line
            else:
                cur["blocks"].append({"table": cells})
        else:
            paragraph = pending[0].strip()
            for line in pending[1:]:
                if joinable(paragraph.split("\n")[-1], line):
                    paragraph += line.strip()
                else:
                    paragraph += "\n" + line.strip()
            for text in paragraph.split("\n"):
                text = re.sub(r"^-\s+", "", text.strip())
                block = {"p": text}
                every = recurrence(text) if cur["path"].startswith("9") else None
                if every and re.match(r"^[0-9]+\.", text):
                    block = {"clause": text, "every": every}
                cur["blocks"].append(block)
        pending = []

    for raw in body:
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        c = chapter_of(line)
        s = section_of(line) if c is None else None
        u = subsection_of(line) if c is None and s is None else None
        if c:
            flush()
            chap, sec, sub = c[0], 0, 0
            cur = {"depth": 1, "title": c[1], "path": str(chap), "blocks": []}
            sections.append(cur)
        elif s and s[0]:
            flush()
            sec, sub = s[0], 0
            cur = {"depth": 2, "title": s[1], "path": f"{chap}.{sec}", "blocks": []}
            sections.append(cur)
        elif u:
            flush()
            sub += 1
            cur = {"depth": 3, "title": u[0], "path": f"{chap}.{sec}.{sub}", "blocks": []}
            sections.append(cur)
            if u[1]:
                pending.append(u[1])
        else:
            pending.append(line)
    flush()

    out = [
        "# 臺南市國民中小學資通安全維護計畫範本（D級）, as a plan template. Generated from the plan",
        "# text by scripts/seed-to-template.py and reviewed; edit it as data. See README.md.",
        'key = "tainan-school-d"',
        'name = { zh = "臺南市國民中小學資通安全維護計畫範本（D級）", en = "Tainan school plan template (level D)" }',
        'source = "臺南市政府教育局範本；臺南市下營區下營國民小學資通安全維護計畫（115年版）"',
        'levels = ["D"]',
        "",
    ]
    for s in sections:
        items, topic = TAGS.get(s["path"], ([], None))
        out.append("[[section]]")
        out.append(f'id = "{s["path"]}"')
        out.append(f"depth = {s['depth']}")
        out.append(f"title = {json.dumps(s['title'], ensure_ascii=False)}")
        if items:
            out.append(f"answers = {json.dumps(items)}")
        if topic:
            out.append(f'topic = "{topic}"')
        for b in s["blocks"]:
            out.append("[[section.block]]")
            if "table" in b:
                rows = [[placeholders(c, agency, None) for c in r] for r in b["table"]]
                out.append("table = [")
                for r in rows:
                    out.append("  " + json.dumps(r, ensure_ascii=False) + ",")
                out.append("]")
            elif "clause" in b:
                out.append(f"clause = {json.dumps(placeholders(b['clause'], agency, None), ensure_ascii=False)}")
                out.append(f'every = "{b["every"]}"')
            else:
                out.append(f"p = {json.dumps(placeholders(b['p'], agency, None), ensure_ascii=False)}")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
