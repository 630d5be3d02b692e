#!/usr/bin/env python3
"""Run the demo or the tests from a fresh checkout, on Linux, macOS or Windows.

    python3.11 dev.py demo [--host 127.0.0.1] [--port 8000]   演示：建库、载入演示数据、启动网站
    python3.11 dev.py test [pytest arguments ...]             测试：运行全部测试（参数原样传给 pytest）
    python3.11 dev.py setup                                   只准备 .venv（CI 在运行检查前使用）

Both create ``.venv/`` next to this file when it is missing and install the project into it
(``pip install -e .[dev]``). The install is skipped while ``.venv/.installed-<sha256 of
pyproject.toml>`` exists, so a second run starts at once. Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYPROJECT = ROOT / "pyproject.toml"
REQUIRED = (3, 11)
STAMP_PREFIX = ".installed-"


def say(zh: str, en: str) -> None:
    print(f"==> {zh} / {en}", flush=True)


def fail(zh: str, en: str, code: int = 1) -> int:
    print(f"!!! {zh}\n!!! {en}", file=sys.stderr, flush=True)
    return code


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def run(command: list[str | os.PathLike]) -> int:
    """Run a command from the repository root; its output goes straight to this terminal."""
    return subprocess.call([str(part) for part in command], cwd=ROOT)


def check_interpreter() -> str | None:
    if sys.version_info[:2] != REQUIRED:
        found = ".".join(map(str, sys.version_info[:3]))
        return (
            f"需要 Python 3.11，当前是 {found}（{sys.executable}）。请用 python3.11 运行 dev.py。\n"
            f"!!! Python 3.11 is required, this is {found} ({sys.executable}). "
            "Run it as: python3.11 dev.py demo | test"
        )
    return None


def venv_version_ok(python: Path) -> bool:
    probe = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True, text=True, check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == "{}.{}".format(*REQUIRED)


def ensure_venv() -> int:
    """Create .venv and install the project with its dev extras, unless that is already done."""
    python = venv_python()
    if not python.exists():
        say("创建虚拟环境 .venv", "creating virtual environment .venv")
        if run([sys.executable, "-m", "venv", VENV]) != 0 or not python.exists():
            return fail("创建 .venv 失败", "could not create .venv")
    elif not venv_version_ok(python):
        return fail(
            f"{VENV} 不是 Python 3.11 的虚拟环境；请删除该目录后重新运行",
            f"{VENV} is not a Python 3.11 environment; delete that folder and run again",
        )

    digest = hashlib.sha256(PYPROJECT.read_bytes()).hexdigest()
    stamp = VENV / f"{STAMP_PREFIX}{digest}"
    if stamp.exists():
        say("依赖已安装，跳过", "dependencies already installed, skipping")
        return 0

    say("安装依赖（pip install -e .[dev]），首次需要几分钟",
        "installing dependencies (pip install -e .[dev]), the first time takes a few minutes")
    command = [python, "-m", "pip", "install", "--disable-pip-version-check", "-e", ".[dev]"]
    if os.environ.get("CI"):
        command.insert(4, "--progress-bar=off")
    if run(command) != 0:
        return fail("安装依赖失败", "installing the dependencies failed")
    for old in VENV.glob(f"{STAMP_PREFIX}*"):
        old.unlink()
    stamp.write_text("pip install -e .[dev] done for this pyproject.toml\n", encoding="utf-8")
    return 0


def demo(host: str, port: int) -> int:
    python = venv_python()
    manage = ROOT / "manage.py"
    say("建立或升级数据库（migrate）", "creating or upgrading the database (migrate)")
    if run([python, manage, "migrate", "--noinput"]) != 0:
        return fail("数据库迁移失败", "migrate failed")
    say("载入演示数据（load_demo）", "loading the demo data (load_demo)")
    if run([python, manage, "load_demo"]) != 0:
        return fail("载入演示数据失败", "load_demo failed")
    # Every login has a second step: a 6-digit code from the account's authenticator. The demo accounts
    # have one enrolled already; their otpauth:// addresses can be added to a phone app, or the current
    # codes printed at any time with `manage.py demo_codes` (demo only).
    run([python, manage, "demo_codes", "--uri"])

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    browse_host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
    address = f"http://{browse_host}:{port}/"
    print(flush=True)
    say(f"网站地址：{address}", f"open {address}")
    say("演示账号和密码见上方列表（例如考核办：kaohe）",
        "the demo logins are listed above (e.g. the assessment officer: kaohe)")
    venv_manage = f"{python.relative_to(ROOT)} manage.py demo_codes"
    say(f"登录第二步要输入6位验证码：另开一个终端运行 {venv_manage} 查看当前验证码，"
        "或把上方 otpauth:// 地址导入手机上的身份验证器",
        f"the second login step asks for a 6-digit code: run {venv_manage} in another terminal, "
        "or add the otpauth:// address above to an authenticator app")
    say("按 Ctrl+C 停止", "press Ctrl+C to stop")
    try:
        code = run([python, manage, "runserver", bind])
    except KeyboardInterrupt:
        return 0
    # runserver stopped with Ctrl+C is a normal end, not a failure.
    return 0 if code in (0, -2, 130, 3221225786) else code


def test(pytest_args: list[str]) -> int:
    say("运行测试（pytest）", "running the tests (pytest)")
    return run([venv_python(), "-m", "pytest", *pytest_args])


def main(argv: list[str]) -> int:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # a console that cannot show Chinese still works

    parser = argparse.ArgumentParser(
        prog="dev.py",
        description="干部考核与监督平台：演示与测试 / cadre assessment platform: demo and tests",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{demo,test,setup}")
    demo_parser = commands.add_parser("demo", help="载入演示数据并启动网站 / load the demo and run the site")
    demo_parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    demo_parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    commands.add_parser("test", help="运行测试，其余参数交给 pytest / run the tests; other arguments go to pytest",
                        add_help=False)
    commands.add_parser("setup", help="只准备 .venv / only create and install .venv")

    # Everything after "test" belongs to pytest (-k, -x, -h, paths ...), so it is not parsed here.
    if argv and argv[0] == "test":
        options, pytest_args = argparse.Namespace(command="test"), argv[1:]
    else:
        options, pytest_args = parser.parse_args(argv), []

    problem = check_interpreter()
    if problem:
        print(f"!!! {problem}", file=sys.stderr)
        return 2

    code = ensure_venv()
    if code != 0:
        return code
    if options.command == "demo":
        return demo(options.host, options.port)
    if options.command == "test":
        return test(pytest_args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
