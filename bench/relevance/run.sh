#!/usr/bin/env bash
# make relevance: MRR@10 of kedb beside plain FTS5 bm25 on judged queries over Debian's
# documentation (docs/RELEVANCE.md).
#   1. corpus.py build: one known error per section of the Debian documentation packages
#      (bench/out/relevance/corpus) and the judged queries (bench/out/relevance/queries.tsv)
#   2. plain run: the corpus alone, indexed with kedb-index, scored by kedb-relevance
#   3. haystack run: the corpus indexed first, then make bench's generated corpus of HAYSTACK
#      items (bench/gen_corpus.py, re-typed as closed tickets) after it as the newer items;
#      the same queries again
#   4. the table goes into docs/RELEVANCE.md between the 'relevance:latest' markers, and a
#      line per run is added to its history
# Environment: RELEVANCE_SEED (query seed, default 10), RELEVANCE_PER_SET (150),
# BENCH_SEED (haystack seed, 42), RELEVANCE_NO_DOC=1 (leave docs/RELEVANCE.md alone).
set -euo pipefail

HAYSTACK=${1:-20000}
if ! [[ $HAYSTACK =~ ^[0-9]+$ ]]; then
    echo "usage: bench/relevance/run.sh [HAYSTACK_ITEMS]" >&2
    exit 2
fi
cd "$(dirname "$0")/../.."
OUT=bench/out/relevance
CORPUS=$OUT/corpus
QUERIES=$OUT/queries.tsv
SEED=${RELEVANCE_SEED:-10}
PER_SET=${RELEVANCE_PER_SET:-150}
HSEED=${BENCH_SEED:-42}
INDEX=bin/kedb-index
REL=build/rel/bin/kedb-relevance
PY=/usr/bin/python3 # Debian's, for python3-jieba
DOC=docs/RELEVANCE.md

for b in "$INDEX" "$REL"; do
    if [ ! -x "$b" ]; then
        echo "bench/relevance/run.sh: $b is missing: run 'make relevance'" >&2
        exit 2
    fi
done
mkdir -p "$OUT"
now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
say() { echo "== $*"; }
T_START=$(now_ms)

index() { # index DB DIR... (fresh database, one kedb-index run per directory, in order)
    local db=$1
    shift
    rm -f "$db" "$db-wal" "$db-shm"
    for dir in "$@"; do
        set +e
        "$INDEX" --db "$db" -q "$dir" 2>"$OUT/index.err"
        local rc=$?
        set -e
        if [ "$rc" -ne 0 ]; then
            echo "bench/relevance/run.sh: kedb-index --db $db $dir failed (exit $rc):" >&2
            head -20 "$OUT/index.err" >&2
            exit 1
        fi
    done
}

say "corpus and queries (seed $SEED)"
"$PY" bench/relevance/corpus.py build --out "$CORPUS" --queries "$QUERIES" --seed "$SEED" \
    --per-set "$PER_SET"
NDOCS=$(find "$CORPUS" -name '*.md' | wc -l)
SOURCES=$(sed -n 's/^# seed [0-9]*; corpus .* from: //p' "$QUERIES")
NQ=$(grep -cv '^#' "$QUERIES")

say "plain run: $NDOCS items"
index "$OUT/kedb.db" "$CORPUS"
"$REL" --db "$OUT/kedb.db" --queries "$QUERIES" --label plain --tsv "$OUT/plain.tsv" \
    | tee "$OUT/plain.txt"

HAY_NOTE="no haystack run (0 items)"
if [ "$HAYSTACK" -gt 0 ]; then
    GEN=bench/out/corpus-$HAYSTACK
    say "haystack: $GEN ($HAYSTACK items, seed $HSEED) as closed tickets"
    if [ -f "$GEN/.complete" ] && [ "$(cat "$GEN/.complete")" = "$HAYSTACK $HSEED" ] &&
        [ ! bench/gen_corpus.py -nt "$GEN/.complete" ]; then
        echo "reusing $GEN"
    else
        rm -rf "$GEN"
        python3 bench/gen_corpus.py --out "$GEN" --docs "$HAYSTACK" --seed "$HSEED"
    fi
    "$PY" bench/relevance/corpus.py haystack --src "$GEN" --out "$OUT/haystack"
    say "haystack run: $NDOCS items, then $HAYSTACK newer tickets"
    index "$OUT/kedb-haystack.db" "$CORPUS" "$OUT/haystack"
    "$REL" --db "$OUT/kedb-haystack.db" --queries "$QUERIES" --label "haystack" \
        --tsv "$OUT/haystack.tsv" | tee "$OUT/haystack.txt"
    HAY_NOTE="haystack: the corpus indexed first, then \`python3 bench/gen_corpus.py --docs $HAYSTACK --seed $HSEED\` re-typed as closed tickets"
fi

# --- report -------------------------------------------------------------------------------
WHEN=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo "unknown")
if [ -n "$(git status --porcelain -- kb include indexer 2>/dev/null)" ]; then
    COMMIT="$COMMIT + uncommitted changes in kb/ include/ indexer/"
fi
TOOK=$(secs $(($(now_ms) - T_START)))
TABLE=$( (cat "$OUT/plain.txt"; [ -f "$OUT/haystack.txt" ] && [ "$HAYSTACK" -gt 0 ] &&
    cat "$OUT/haystack.txt") | grep '^|' | awk '!(/^\| run \|/ || /^\|---/) || !seen[$0]++')
# kedb beats plain bm25 on how many set x run
BEATS=$( (cat "$OUT/plain.txt"; [ "$HAYSTACK" -gt 0 ] && cat "$OUT/haystack.txt") |
    grep '^RESULT run=.* set=' | awk '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        n++; if (v["kedb_mrr"] + 0 > v["bm25_mrr"] + 0) b++ }
        END { printf "%d of %d", b, n }')
MEANS=$( (cat "$OUT/plain.txt"; [ "$HAYSTACK" -gt 0 ] && cat "$OUT/haystack.txt") |
    grep '^RESULT run=.* set=' | awk '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        k[v["run"]] += v["kedb_mrr"]; p[v["run"]] += v["bm25_mrr"]; c[v["run"]]++
        if (!(v["run"] in seen)) { seen[v["run"]] = 1; order[++m] = v["run"] } }
        END { for (i = 1; i <= m; i++) { r = order[i]
            printf "%s%s kedb %.3f / bm25 %.3f", (i > 1 ? ", " : ""), r, k[r] / c[r], p[r] / c[r] } }')

REPORT=$(cat <<EOF
Run $WHEN, commit $COMMIT, \`make relevance\` (\`bench/relevance/run.sh $HAYSTACK\`), $TOOK s.
Corpus: $NDOCS sections from $SOURCES. $NQ queries (seed $SEED, $PER_SET per set).
Plain run: the corpus alone; $HAY_NOTE. kedb beats plain bm25 on $BEATS set runs; mean
MRR@10 over the sets: $MEANS.

$TABLE
EOF
)
echo
echo "================================ report ================================"
echo "$REPORT"

if [ -z "${RELEVANCE_NO_DOC:-}" ]; then
    if [ ! -f "$DOC" ] || ! grep -q '^<!-- relevance:latest -->$' "$DOC"; then
        echo "bench/relevance/run.sh: $DOC has no '<!-- relevance:latest -->' block; not updated" >&2
        exit 1
    fi
    HIST="| $WHEN | $COMMIT | $NDOCS + $HAYSTACK | $NQ | $MEANS | $BEATS |"
    REPORT="$REPORT" HIST="$HIST" "$PY" - "$DOC" <<'PYEOF'
import os, re, sys
path = sys.argv[1]
doc = open(path, encoding="utf-8").read()
doc = re.sub(r"(?s)(<!-- relevance:latest -->\n).*?(<!-- /relevance:latest -->)",
             lambda m: m.group(1) + os.environ["REPORT"] + "\n" + m.group(2), doc, count=1)
marker = "<!-- relevance:history -->"
if marker in doc:
    doc = doc.replace(marker, os.environ["HIST"] + "\n" + marker, 1)
open(path + ".tmp", "w", encoding="utf-8").write(doc)
os.replace(path + ".tmp", path)
PYEOF
    echo
    echo "updated $DOC (latest figures, history line)"
fi
