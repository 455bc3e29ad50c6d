#!/usr/bin/env python3
"""Check that `recon help COMMAND` prints the SYNOPSIS of man/recon.1.

Usage: check_synopsis.py MANPAGE RECON
Renders each `.Nm` / `.Cm command ...` block of the mdoc SYNOPSIS to plain
text and compares it, case- and space-insensitively, with the usage line
that `recon help COMMAND` prints. Prints one line per command checked.
"""
import re
import subprocess
import sys

CALLABLE = {"Fl", "Ar", "Cm", "Op", "Li", "Oo", "Oc", "Ns"}


def render(words):
    out = []
    i = 0
    while i < len(words):
        w = words[i]
        if w == "Fl":
            dashes = "-"
            i += 1
            while i < len(words) and words[i] == "Fl":
                dashes += "-"
                i += 1
            if i < len(words) and words[i] not in CALLABLE:
                out.append(dashes + words[i])
                i += 1
            else:
                out.append(dashes)
            continue
        if w == "Op":
            out.append("[" + render(words[i + 1:]) + "]")
            break
        if w == "Oo":
            out.append("[")
        elif w == "Oc":
            out.append("]")
        elif w in ("Ar", "Cm", "Li", "Ns"):
            pass
        else:
            out.append(w)
        i += 1
    return " ".join(out)


def synopsis_blocks(text):
    sec = text.split(".Sh SYNOPSIS", 1)[1].split(".Sh ", 1)[0]
    blocks, cur = [], None
    for line in sec.splitlines():
        if not line.startswith("."):
            continue
        macro, _, rest = line[1:].partition(" ")
        if macro == "Nm":
            cur = []
            blocks.append(cur)
        elif cur is not None and macro not in ("Pp",):
            cur.append(render([macro] + rest.split()) if macro != "Cm" else rest)
    return [" ".join(b) for b in blocks if b]


def norm(s):
    s = s.lower().replace("[ ", "[").replace(" ]", "]")
    s = re.sub(r"\s*\|\s*", "|", s)
    s = re.sub(r"\s*\.\.\.", "...", s)
    return re.sub(r"\s+", " ", s).strip()


def main():
    man, recon = sys.argv[1], sys.argv[2]
    text = open(man, encoding="utf-8").read()
    bad = 0
    for block in synopsis_blocks(text):
        name = block.split()[0]
        if name.startswith("[") or name.startswith("-"):
            continue  # the global forms
        r = subprocess.run([recon, "help", name], capture_output=True, text=True)
        usage = r.stdout.splitlines()[0] if r.stdout else ""
        usage = usage.removeprefix("usage: recon ")
        if norm(usage) == norm(block):
            print(f"ok {name}")
        else:
            print(f"MISMATCH {name}\n  man:  {block}\n  help: {usage}")
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
