#!/bin/sh
# GET /me in-process (bench.inprocess) for two revisions, without and with Redis, interleaved so
# that both share the machine's conditions.
#
#   bench/ab_inprocess.sh BEFORE_REVISION [ROUNDS] [REDIS_URL]
#
# BEFORE_REVISION is exported (git archive) to a temporary directory, with this tree's
# bench/inprocess.py (for its options); the current tree is "after". Each round runs before and
# after, each without Redis and with REDIS_URL (default redis://127.0.0.1:6379/10; the revocation
# keys of the revision before are primed so that it takes its Redis path). Report the medians.
set -eu
before_rev=$1
rounds=${2:-3}
redis_url=${3:-redis://127.0.0.1:6379/10}
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
git -C "$here" archive "$before_rev" | tar -x -C "$before"
cp "$here/bench/inprocess.py" "$before/bench/inprocess.py"
db=inventory_auth_inprocess_ab_$$
prime() { "$python" -c "import redis,sys; redis.Redis.from_url(sys.argv[1]).set('inventory_auth:revocations-complete-since', 0)" "$redis_url"; }
unprime() { "$python" -c "import redis,sys; redis.Redis.from_url(sys.argv[1]).delete('inventory_auth:revocations-complete-since')" "$redis_url"; }
for round in $(seq "$rounds"); do
  for tree in "$before" "$here"; do
    name=after; [ "$tree" = "$before" ] && name="before ($before_rev)"
    cd "$tree"
    echo "round $round, $name, no Redis: $("$python" -m bench.inprocess --database "$db" --requests 3000 | tail -1)"
    prime
    echo "round $round, $name, Redis: $("$python" -m bench.inprocess --database "$db" --requests 3000 --redis-url "$redis_url" | tail -1)"
    unprime
  done
done
