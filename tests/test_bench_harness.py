"""The benchmark harness's pure logic (bench/): parsing wrk, /proc and py-spy output, and verdicts.

The benchmark itself is never run by the suite (it takes minutes and needs wrk); these tests only
check that the numbers it reports are read and judged correctly.
"""

import pytest

from bench import machine, procfs, profile_stacks, report, wrk

# Real output of `wrk` (Debian's 4.1.0) with bench/lua/common.lua + floor.lua.
WRK_OK = """\
Running 1s test @ http://127.0.0.1:18765
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.31ms    0.95ms   9.20ms   87.26%
    Req/Sec     1.66k   537.73     2.61k    61.90%
  3468 requests in 1.10s, 1.80MB read
Requests/sec:   3153.00
Transfer/sec:      1.63MB
BENCH_JSON {"duration_us": 1099904, "requests": 3468, "bytes": 1883124, "errors": {"connect": 0, "read": 0, \
"write": 0, "status": 0, "timeout": 0}, "statuses": {"200": 3468}, "latency_us": {"min": 267, \
"mean": 1310.8154291732492, "max": 9203, "stdev": 947.66836020928588, "percentiles": {"50": 1042, \
"75": 1493, "90": 2362, "99": 5153, "99.9": 7935}}, "starved": 0, "harvested": 0}
"""

WRK_ERRORS = """\
Running 10s test @ http://127.0.0.1:18765
  2 threads and 256 connections
  1520 requests in 10.00s, 553.67KB read
  Socket errors: connect 0, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 20
Requests/sec:    152.00
BENCH_JSON {"duration_us": 10000000, "requests": 1520, "bytes": 566960, "errors": {"connect": 0, "read": 3, \
"write": 0, "status": 20, "timeout": 7}, "statuses": {"200": 1500, "429": 15, "503": 5}, "latency_us": \
{"min": 335, "mean": 1650.02, "max": 24220, "stdev": 1947.35, "percentiles": {"50": 1368, "75": 1712, \
"90": 2242, "99": 12769, "99.9": 22898}}, "starved": 2, "harvested": 40}
"""


def test_wrk_output_becomes_numbers():
    result = wrk.parse_wrk_output(WRK_OK)
    assert result.requests == 3468
    assert result.duration_s == pytest.approx(1.099904)
    assert result.rps == pytest.approx(3468 / 1.099904)
    assert result.text_rps == 3153.0
    assert result.latency_ms["p50"] == pytest.approx(1.042)
    assert result.latency_ms["p99"] == pytest.approx(5.153)
    assert result.latency_ms["p99.9"] == pytest.approx(7.935)
    assert result.latency_ms["max"] == pytest.approx(9.203)
    assert result.statuses == {200: 3468}
    assert result.non_2xx == {}
    assert result.error_count == 0


def test_wrk_errors_are_counted_by_status_and_by_socket_error():
    result = wrk.parse_wrk_output(WRK_ERRORS)
    assert result.non_2xx == {429: 15, 503: 5}
    assert result.socket_errors == {"connect": 0, "read": 3, "write": 0, "timeout": 7}
    assert result.error_count == 30
    assert result.starved == 2 and result.harvested == 40
    assert result.to_dict()["non_2xx"] == {"429": 15, "503": 5}


def test_wrk_output_without_the_summary_line_is_refused():
    with pytest.raises(wrk.WrkOutputError):
        wrk.parse_wrk_output(WRK_OK.split("BENCH_JSON")[0])


def test_status_counts_that_disagree_with_wrk_are_refused():
    with pytest.raises(wrk.WrkOutputError, match="disagree"):
        wrk.parse_wrk_output(WRK_OK.replace('"statuses": {"200": 3468}', '"statuses": {"200": 3000}'))


def test_wrk_command_passes_the_scenario_arguments_after_the_url():
    cmd = wrk.command("http://127.0.0.1:9", "s.lua", connections=16, threads=4, duration_s=15.4,
                      timeout_s=60, args={"mode": "wrong", "offset": 7})
    assert cmd[:6] == ["wrk", "--threads=4", "--connections=16", "--duration=15s", "--timeout=60s",
                       "--script=s.lua"]
    assert cmd[6:] == ["http://127.0.0.1:9", "--", "threads=4", "mode=wrong", "offset=7"]
    # never more threads than connections: wrk would refuse
    cmd = wrk.command("u", "s", connections=2, threads=8, duration_s=1, timeout_s=1, args={})
    assert "--threads=2" in cmd


PROC_STATUS = """\
Name:\tgunicorn
State:\tS (sleeping)
Pid:\t20624
PPid:\t20620
VmPeak:\t  312008 kB
VmSize:\t  246468 kB
VmHWM:\t   81268 kB
VmRSS:\t   80676 kB
Threads:\t6
"""


def test_proc_status_gives_rss_and_peak_rss_in_kib():
    assert procfs.parse_status(PROC_STATUS) == {"VmRSS": 80676, "VmHWM": 81268}


def test_proc_status_without_memory_lines_is_refused():
    # a kernel thread, or a process that exited between listing and reading
    with pytest.raises(ValueError, match="VmHWM"):
        procfs.parse_status("Name:\tkthreadd\nVmRSS:\t 12 kB\n")


def test_proc_stat_survives_spaces_and_parentheses_in_the_command_name():
    line = ("20624 (gunicorn: worker (x)) S 20620 20620 20620 0 -1 4194560 5000 0 0 0 "
            "1234 567 0 0 20 0 6 0 1000 252379136 20169 18446744073709551615")
    assert procfs.parse_stat(line) == {"state": "S", "ppid": 20620, "cpu_ticks": 1234 + 567}


def test_proc_net_tcp_gives_the_established_connections_of_a_port():
    text = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1\n"
        "   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 222 1\n"
        "   2: 0100007F:D2F0 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 333 1\n"
        "   3: 0100007F:1F91 0100007F:D2F1 01 00000000:00000000 00:00000000 00000000     0        0 444 1\n"
    )
    # port 0x1F90 = 8080: the listening socket (0A) and the client's own end (local port D2F0) are not
    assert procfs.parse_net_tcp(text, 8080) == {222}


def test_proc_stat_cpu_line():
    busy, total = machine.parse_proc_stat("cpu  100 5 50 800 45 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8\n")
    assert (busy, total) == (155.0, 1000.0)


def test_collapsed_stacks_are_summarized_by_package_and_function():
    text = (
        "run (threading.py:982);handle (gunicorn/workers/gthread.py:547);_PGDialect_common_psycopg.do_ping "
        "(sqlalchemy/dialects/postgresql/_psycopg_common.py:170) 6\n"
        "run (threading.py:982);handle (gunicorn/workers/gthread.py:547);"
        "_hash_internal (werkzeug/security.py:60) 3\n"
        " 1\n"
    )
    summary = profile_stacks.summarize(text)
    assert summary["samples"] == 10
    assert summary["by_package"][0] == ("sqlalchemy", 6, 0.6)
    assert ("werkzeug", 3, 0.3) in summary["by_package"]
    top_function = summary["self"][0][0]
    assert top_function == (
        "_PGDialect_common_psycopg.do_ping (sqlalchemy/dialects/postgresql/_psycopg_common.py)"
    )
    inclusive = dict((name, count) for name, count, _ in summary["inclusive"])
    assert inclusive["handle (gunicorn/workers/gthread.py)"] == 9
    parts = dict(profile_stacks.groups(text))
    assert parts["pre-ping SELECT 1"] == pytest.approx(0.6)
    assert parts["password hash (werkzeug _hash_internal)"] == pytest.approx(0.3)


def _run(scenario, connections, rps, p50_ms, p99_ms, duration=15, statuses=None, label=""):
    requests = round(rps * duration)
    return {
        "scenario": scenario, "connections": connections, "duration_s": duration, "label": label,
        "unexpected": 0,
        "wrk": {"rps": rps, "requests": requests, "statuses": statuses or {"200": requests},
                "latency_ms": {"p50": p50_ms, "p99": p99_ms}},
    }


def _cpu_bound(run, verify_limit, worker_cpu_ms):
    """A login run with the verify reference measured right before it and its workers' CPU."""
    run["verify"] = {"login_limit_rps": verify_limit}
    run["cpu"] = {"workers_s": worker_cpu_ms / 1000 * run["wrk"]["requests"]}
    return run


def test_targets_are_judged_against_the_references_of_the_same_run():
    results = {
        "verify": {"login_limit_rps": 10.0},  # at the start; each login run has its own below
        "runs": [
            _run("floor", 16, 5000, 3, 10, label="reference"),
            _run("me", 16, 2000, 8, 30),
            _cpu_bound(_run("login_ok", 16, 9.5, 1600, 1900, duration=60), 10.0, 210),
            _cpu_bound(_run("login_wrong", 16, 8.0, 2000, 2100, duration=60), 8.5, 250),
            _cpu_bound(_run("login_unknown", 16, 9.9, 1500, 1700, duration=60), 11.5, 200),
        ],
        "memory_after_warmup": {"1": {"VmHWM": 1000}, "2": {"VmHWM": 1000}},
        "memory_after_run": {"1": {"VmHWM": 1099}, "3": {"VmHWM": 900}},
    }
    verdicts = {name: ok for name, _, ok in report.targets(results)}
    assert verdicts["GET /me ≥ 60% of the floor, c=16"] is False  # 2000 < 0.6 × 5000
    assert verdicts["GET /me ≥ 1200 req/s, c=16"] is True
    assert verdicts["login_ok ≥ 90% of cores/verify, c=16"] is True  # 9.5 ≥ 0.9 × 10
    assert verdicts["login_wrong ≥ 90% of cores/verify, c=16"] is True  # 8.0 ≥ 0.9 × 8.5, not × 10
    assert verdicts["login_unknown ≥ 90% of cores/verify, c=16"] is False  # 9.9 < 0.9 × 11.5
    assert verdicts["login_ok p99 ≤ 1.2× queue time (connections / req/s), c=16"] is True
    # 200 vs 250 ms of worker CPU per request, 9.9 vs 8.0 req/s: not the same cost.
    assert verdicts["unknown email costs what a wrong password costs (±10%), c=16"] is False
    assert verdicts["peak RSS of worker 1 within 10% of its value after warm-up"] is True
    assert verdicts["worker 2 alive for the whole run"] is False


def test_same_cost_is_judged_on_worker_cpu_and_throughput_not_on_the_queue_position():
    wrong = _cpu_bound(_run("login_wrong", 256, 14.0, 16700, 20000, duration=40), 16.0, 140)
    unknown = _cpu_bound(_run("login_unknown", 256, 14.2, 12700, 23000, duration=40), 16.0, 138)
    results = {"verify": {"login_limit_rps": 16.0}, "runs": [wrong, unknown]}
    verdicts = {name: ok for name, _, ok in report.targets(results)}
    assert verdicts["unknown email costs what a wrong password costs (±10%), c=256"] is True
    unknown["cpu"]["workers_s"] *= 1.2
    verdicts = {name: ok for name, _, ok in report.targets(results)}
    assert verdicts["unknown email costs what a wrong password costs (±10%), c=256"] is False


def test_a_run_shorter_than_twice_its_queue_time_is_not_judged_on_p99():
    run = _run("login_ok", 256, 8.0, 9000, 14000, duration=20)  # queue 32 s
    assert report.queue_time_s(run) == pytest.approx(32.0)
    assert not report.steady(run)
    results = {"verify": {"login_limit_rps": 8.5}, "runs": [run]}
    verdicts = {name: ok for name, _, ok in report.targets(results)}
    assert verdicts["login_ok p99 ≤ 1.2× queue time (connections / req/s), c=256"] is None


def test_the_generated_section_replaces_only_itself(tmp_path):
    doc = tmp_path / "benchmarks.md"
    report.write_section(doc, "first\n")
    doc.write_text(doc.read_text() + "\n## Profile\nwritten by hand\n")
    report.write_section(doc, "second\n")
    text = doc.read_text()
    assert "second" in text and "first" not in text
    assert text.endswith("## Profile\nwritten by hand\n")
    assert text.count(report.BEGIN) == 1


def test_a_plan_becomes_one_line_of_scans_and_time():
    plan = (
        "Limit  (cost=0.42..12.09 rows=100 width=1070) (actual time=0.007..0.030 rows=100 loops=1)\n"
        "  ->  Index Scan Backward using ix_users_created_at_id on users  (cost=0.42..11672.90)\n"
        "  ->  Bitmap Index Scan on ix_auth_sessions_user_id  (cost=0.00..4.16 rows=2 width=0)\n"
        "Planning Time: 0.035 ms\nExecution Time: 0.038 ms"
    )
    assert report.plan_summary(plan) == (
        "Index Scan Backward on `ix_users_created_at_id`, "
        "Bitmap Index Scan on `ix_auth_sessions_user_id`, 0.038 ms"
    )
    assert report.plan_summary("Insert on users\nExecution Time: 1.5 ms") == "no scan, 1.5 ms"


def test_the_doc_gets_the_figures_and_verdicts_but_not_the_plans():
    me = _run("me", 16, 1300.0, 11.6, 26.5)
    me["cpu"] = {"workers_s": 21.0, "other_s": 0.3, "capacity_s": 30.0}
    plan = "Index Scan using pk_users on users (cost=0.28..8.29)\nExecution Time: 0.044 ms"
    results = {
        "machine": {"commit": "abc1234", "cpu_model": "Xeon", "cores": 2, "postgresql": "15.20 (Debian)"},
        "verify": {"method": "pbkdf2:sha256:600000", "median_s": 0.1265, "login_limit_rps": 15.81},
        "argv": ["--scale"], "started": "2026-12-04T06:24:08+00:00", "options": {"users": 1000},
        "gunicorn": {"workers": 2, "threads": 16, "bind": "127.0.0.1:1"},
        "runs": [me],
        "plans": {"1000": {"requests": [{"request": "GET /api/auth/me", "round_trips": 1,
                                         "statements": [{"sql": "SELECT ...", "plan": plan}]}]}},
    }
    text = report.render_doc(results)
    assert "| me | 16 | 1300.0 | 11.6 | 26.5 | 0 | 1.08 | 1% |" in text
    assert "| GET /api/auth/me | 1 | Index Scan on `pk_users`, 0.044 ms |" in text
    assert "Met: GET /me ≥ 1200 req/s; zero errors (every connection count" in text
    assert "cost=" not in text and "SELECT ..." not in text
    assert "workers=2, threads=16" in text and "15.81 logins/s" in text
