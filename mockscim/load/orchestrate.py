"""One load run from the command's side: the target (embedded or live), Okta's set-up requests,
the engine's settings, and after the engine: reconciliation and reports. No Locust here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mockscim.load.html import render_html
from mockscim.load.mix import Mix
from mockscim.load.policy import RetryPolicy
from mockscim.load.policy import describe
from mockscim.load.reconcile import reconcile
from mockscim.load.report import build_report
from mockscim.load.report import summary
from mockscim.load.runconfig import run_settings
from mockscim.load.target import EmbeddedMock
from mockscim.load.target import RetryingClient
from mockscim.load.target import TargetError
from mockscim.load.target import probe
from mockscim.load.target import push_shared_groups
from mockscim.load.templates import okta_templates
from mockscim.runner.client import Credentials
from mockscim.runner.client import CredentialsError


class LoadRun:
    """Holds a run's target and settings from set-up to report."""

    def __init__(self, options: dict[str, Any], mix: Mix, folder: Path):
        self.options, self.mix, self.folder = options, mix, folder
        self.policy = RetryPolicy(wait_cap=options["retry_wait_cap"])
        self.result_path = folder / "result.json"
        self.embedded: EmbeddedMock | None = None

    def __enter__(self) -> LoadRun:
        options = self.options
        if options["base_url"]:
            self.base_url, self.auth, self.label = (
                options["base_url"].rstrip("/"),
                options["auth_spec"] or "none",
                "live server",
            )
        else:
            seed = self.mix.import_users if self.mix.imports else 0
            self.embedded = EmbeddedMock(seed, options["prefix"])
            self.base_url, self.auth, self.label = (
                self.embedded.base_url,
                self.embedded.auth,
                "embedded mockscim",
            )
        try:
            self.credentials = Credentials.parse(self.auth)
        except CredentialsError as exc:
            self.__exit__()
            raise TargetError(str(exc), 2) from None
        try:
            with self.client() as client:
                probe(client)
                self.groups = self._shared_groups(client)
        except TargetError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

    def client(self) -> RetryingClient:
        """A client for set-up and reconciliation that waits out 429s and 5xx like Okta."""
        return RetryingClient(self.base_url, self.credentials, self.policy, timeout=self.options["timeout"])

    def _shared_groups(self, client: RetryingClient) -> list[dict[str, str]]:
        """The groups that membership storms share, pushed once before the load (§9.1)."""
        if not self.mix.operations.get("membership"):
            return []
        return push_shared_groups(client, okta_templates(), self.options["prefix"], self.mix.shared_groups)

    def engine_config(self) -> dict[str, Any]:
        """The engine's settings: the run (sent on to workers) and how to drive it."""
        options = self.options
        run = run_settings(
            base_url=self.base_url,
            auth=self.auth,
            dialect=options["dialect"],
            mix=self.mix,
            policy=self.policy,
            shared_groups=self.groups,
            prefix=options["prefix"],
            timeout=options["timeout"],
        )
        return {
            "mode": "master" if options["master"] else "local",
            "master_port": options["master_port"],
            "expect_workers": options["expect_workers"],
            "web": options["web"],
            "web_port": options["web_port"],
            "result": str(self.result_path),
            "users": options["users"],
            "spawn_rate": options["spawn_rate"],
            "duration": options["duration"],
            "max_requests": options["max_requests"],
            "concurrency": options["app_concurrency"],
            "run": run,
        }

    def settings(self) -> dict[str, Any]:
        """The run's settings for the report (no credentials)."""
        options = self.options
        return {
            "target": {"base_url": self.base_url, "label": self.label},
            "dialect": options["dialect"],
            "profile": self.mix.to_dict(),
            "users": options["users"],
            "spawn_rate": options["spawn_rate"],
            "duration_s": options["duration"],
            "max_requests": options["max_requests"],
            "max_error_rate": options["max_error_rate"],
            "app_concurrency": options["app_concurrency"],
            "timeout_s": options["timeout"],
            "retry": describe(self.policy),
            "mode": "master" if options["master"] else "local",
            "expect_workers": options["expect_workers"] if options["master"] else None,
            "shared_groups": [g["displayName"] for g in self.groups],
        }

    def finish(self) -> dict[str, Any]:
        """Reconcile the target against the ledger, then write the reports asked for."""
        result = json.loads(self.result_path.read_text(encoding="utf-8"))
        reconciliation = reconcile(result["ledger"], self.client)
        report = build_report(result, reconciliation, self.settings(), self.options["max_error_rate"])
        if self.options["json_report"]:
            self.options["json_report"].write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        if self.options["html_report"]:
            self.options["html_report"].write_text(render_html(report), encoding="utf-8")
        return report

    @staticmethod
    def summary(report: dict[str, Any]) -> str:
        """The closing lines for the terminal."""
        return summary(report)
