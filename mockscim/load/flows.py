"""Okta's provisioning flows, as one simulated Okta worker sends them (docs/okta-reference.md).

Each flow is the request sequence of a library scenario (``templates.py``) in the chosen
dialect: AIW updates are GET then a full PUT (§1, §6, §7.2, §9.4), OIN updates are PATCH (§7.1,
§9.3). After every write the worker records what Okta now believes (``ledger.py``): that, and
never the target's code, is what the run is reconciled against.
"""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Callable
from typing import Any

from mockscim.load.ledger import accepted
from mockscim.load.ledger import settle
from mockscim.load.session import Answer
from mockscim.load.session import Context
from mockscim.load.session import FlowFailed
from mockscim.load.session import Session
from mockscim.runner.variables import FAMILY_NAMES
from mockscim.runner.variables import GIVEN_NAMES

# A 409 on create stops Okta's job; an admin's "Retry" on the Task replays the lookup and the
# POST (§5.1 OBS, §5.2). We replay it twice, so a lookup that never finds the user shows as a loop.
TASK_ATTEMPTS = 3
_ALNUM = string.ascii_lowercase + string.digits


class OktaWorker:
    """One of Okta's provisioning threads: owns the users it assigned, runs one flow per step."""

    def __init__(self, context: Context, rng: random.Random | None = None):
        self.ctx = context
        self.rng = rng or random.Random()
        self.http = Session(context)
        self.token = "".join(self.rng.choice(_ALNUM) for _ in range(5))
        self.count = 0
        self.users: list[dict[str, Any]] = []  # the app users this worker assigned
        self.flows: dict[str, Callable[[], None]] = {
            "assign": self.assign,
            "double-assign": self.double_assign,
            "profile-push": self.profile_push,
            "deactivate-wave": lambda: self.wave(False),
            "reactivate-wave": lambda: self.wave(True),
            "group-push": self.group_push,
            "membership": self.membership,
            "import": self.import_pass,
        }
        weights = context.mix.operations
        self.names = [name for name in self.flows if weights.get(name, 0) > 0]
        self.weights = [weights[name] for name in self.names]

    @property
    def aiw(self) -> bool:
        """True in the PUT dialect of custom AIW apps (§1)."""
        return self.ctx.dialect == "aiw"

    def step(self) -> str:
        """Run one flow picked by the mix's weights; record how it ended; return its name."""
        flow = self.rng.choices(self.names, self.weights)[0]
        try:
            self.flows[flow]()
        except FlowFailed as exc:
            self.ctx.recorder.operation(flow, False, exc.reason)
        else:
            self.ctx.recorder.operation(flow, True)
        return flow

    # -- users: assign (§5), profile push (§6), deactivate and reactivate (§7) ----------------

    def _new_user(self) -> dict[str, Any]:
        """A user Okta is about to assign: a unique userName owned by this worker."""
        self.count += 1
        given, family = self.rng.choice(GIVEN_NAMES), self.rng.choice(FAMILY_NAMES)
        name = f"{given}.{family}.{self.ctx.prefix}{self.token}{self.count}@example.com".lower()
        okta_id = "00u" + "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(17))
        return {
            "userName": name,
            "given": given,
            "family": family,
            "externalId": okta_id,
            "active": True,
            "groups": set(),
        }

    def assign(self) -> None:
        """Assign a new user: lookup, then create (§5)."""
        self._assign(self._new_user())

    def double_assign(self) -> None:
        """The same assignment twice at once, as Okta's duplicate tasks race (§15)."""
        user, errors = self._new_user(), []
        threads = [threading.Thread(target=self._race, args=(user, errors)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _race(self, user: dict[str, Any], errors: list[Exception]) -> None:
        """One of the racing assignments; its failure is re-raised by the flow."""
        try:
            self._assign(user)
        except Exception as exc:  # re-raised in double_assign (FlowFailed or Stopped)
            errors.append(exc)

    def _assign(self, user: dict[str, Any]) -> None:
        """Lookup then create; a 409 ends the job and the Task retry looks up again (§5.1, §5.2)."""
        entry = self.ctx.ledger.user(user["userName"], user["externalId"])
        for _ in range(TASK_ATTEMPTS):
            found = self._lookup(user["userName"])
            if found:
                return self._link(user, entry, found[0])
            body = self.ctx.templates.create_user(
                email=user["userName"],
                given_name=user["given"],
                family_name=user["family"],
                okta_user_id=user["externalId"],
                password="".join(self.rng.choice(_ALNUM) for _ in range(8)),
            )
            with self.ctx.ledger.writing(entry):
                answer = self.http.send("create-user", "POST", "/Users", json=body)
                _record_create(entry, answer)
            rid = answer.body.get("id") if isinstance(answer.body, dict) else None
            if answer.status == 201 and isinstance(rid, str):
                return self._keep(user, rid)
            if answer.status != 409:
                raise FlowFailed(f"create-user answered {_status(answer)}")
        raise FlowFailed("create-user answered 409 but the lookup never found the user")

    def _lookup(self, user_name: str) -> list[dict[str, Any]]:
        """Okta's ``userName eq`` lookup (§5.1); 404 also means "no match"."""
        query = self.ctx.templates.query("lookup", email=user_name)
        answer = self.http.send("user-lookup", "GET", "/Users", query=query)
        if answer.status == 404:
            return []
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise FlowFailed(f"user-lookup answered {_status(answer)}")
        found = answer.body.get("Resources") or []
        wanted = user_name.casefold()
        return [r for r in found if isinstance(r, dict) and str(r.get("userName", "")).casefold() == wanted]

    def _link(self, user: dict[str, Any], entry: dict[str, Any], found: dict[str, Any]) -> None:
        """Okta links to the account the lookup found, and reactivates it if inactive (§5, §7.3)."""
        entry["linked"] = found.get("id")
        self._keep(user, found.get("id"))
        if found.get("active") is False:
            self._set_active(user, True, lookup=False)

    def _keep(self, user: dict[str, Any], rid: Any) -> None:
        """Remember an assigned user (once, even when two racing assignments both end well)."""
        user["id"] = rid
        if not any(u is user for u in self.users):
            self.users.append(user)

    def _pick(self, active: bool, count: int = 1) -> list[dict[str, Any]]:
        """Up to ``count`` of this worker's users in the given state."""
        pool = [u for u in self.users if u["active"] is active and isinstance(u.get("id"), str)]
        return self.rng.sample(pool, min(count, len(pool)))

    def profile_push(self) -> None:
        """GET the user, then PUT it back with the changed attributes (§6, both dialects)."""
        picked = self._pick(active=True)
        if not picked:
            return self.assign()
        user = picked[0]
        path = f"/Users/{user['id']}"
        current = self._read("get-user", path)
        change = self.ctx.templates.profile_change(user["family"])
        answer = self.http.send("replace-user", "PUT", path, json={**current, **change})
        _require(answer, "replace-user")

    def _read(self, operation: str, path: str) -> dict[str, Any]:
        """Okta's GET before an update; a 404 stops the update with no retry (§6)."""
        answer = self.http.send(operation, "GET", path)
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise FlowFailed(f"{operation} answered {_status(answer)}")
        return answer.body

    def wave(self, active: bool) -> None:
        """Deactivate (or reactivate) up to ``wave_size`` of this worker's users, one after another."""
        picked = self._pick(active=not active, count=self.ctx.mix.wave_size)
        if not picked:
            return self.assign()
        for user in picked:
            self._set_active(user, active, lookup=active)

    def _set_active(self, user: dict[str, Any], active: bool, *, lookup: bool) -> None:
        """AIW: GET then PUT with ``active`` (§7.2); OIN: path-less PATCH (§7.1). Reassignment
        starts with the lookup (§7.3)."""
        if lookup:
            self._lookup(user["userName"])
        entry = self.ctx.ledger.user(user["userName"], user["externalId"])
        operation, path = ("reactivate-user" if active else "deactivate-user"), f"/Users/{user['id']}"
        if self.aiw:
            body = {**self._read("get-user", path), "active": active}
            method = "PUT"
        else:
            body, method = (
                self.ctx.templates.body("reactivate" if active else "deactivate", user_id=user["id"]),
                "PATCH",
            )
        with self.ctx.ledger.writing(entry):
            answer = self.http.send(operation, method, path, json=body)
            settle(entry, "active", active, answer.status)
        _require(answer, operation)
        user["active"] = active

    # -- groups: push (§9.1), membership (§9.3, §9.4), import (§4) ----------------------------

    def group_push(self) -> None:
        """Push a new group with up to ``group_size`` members, then Okta's follow-up (§9.1)."""
        members = self._pick(active=True, count=self.ctx.mix.group_size)
        if len(members) < 2:
            return self.assign()
        self.count += 1
        name = f"{self.ctx.prefix} push {self.token}-{self.count}"
        objects = [self.ctx.templates.member(u["id"], u["userName"]) for u in members]
        names = [u["userName"] for u in members]
        entry = self.ctx.ledger.group(name)
        with self.ctx.ledger.writing(entry):
            answer = self.http.send(
                "create-group", "POST", "/Groups", json=self.ctx.templates.create_group(name, objects)
            )
            gid = answer.body.get("id") if answer.status == 201 and isinstance(answer.body, dict) else None
            if gid:
                entry["ids"].append(gid)
            settle(entry, "members", names, answer.status)
        if not gid:
            raise FlowFailed(f"create-group answered {_status(answer)}")
        path = f"/Groups/{gid}"
        if self.aiw:  # §9.1 OBS: GET, then a PUT with the same content
            self._read("get-group", path)
            with self.ctx.ledger.writing(entry):
                answer = self.http.send(
                    "replace-group", "PUT", path, json=self.ctx.templates.put_group(name, objects)
                )
                settle(entry, "members", names, answer.status)
            _require(answer, "replace-group")
        else:
            self._rename(gid, name)

    def _rename(self, gid: str, name: str) -> None:
        """OIN's name update that follows every membership update (§9.1, §9.5)."""
        body = self.ctx.templates.body("rename_group", group_id=gid, group_name=name)
        _require(self.http.send("rename-group", "PATCH", f"/Groups/{gid}", json=body), "rename-group")

    def membership(self) -> None:
        """Add one of this worker's users to a shared group, or remove one (§9.3, §9.4)."""
        group = self.rng.choice(self.ctx.shared_groups)
        owned = [u for u in self.users if isinstance(u.get("id"), str)]
        if not owned:
            return self.assign()
        inside = [u for u in owned if group["displayName"] in u["groups"]]
        outside = [u for u in owned if group["displayName"] not in u["groups"]]
        add = bool(outside) and (not inside or self.rng.random() < 0.8)
        user = self.rng.choice(outside if add else inside)
        entry = self.ctx.ledger.member(group["displayName"], user["userName"])
        path = f"/Groups/{group['id']}"
        operation, method, body = self._membership_request(group, path, user, add)
        with self.ctx.ledger.writing(entry):
            answer = self.http.send(operation, method, path, json=body)
            settle(entry, "member", add, answer.status)
        _require(answer, operation)
        (user["groups"].add if add else user["groups"].discard)(group["displayName"])
        if not self.aiw:
            self._rename(group["id"], group["displayName"])

    def _membership_request(
        self, group: dict[str, str], path: str, user: dict[str, Any], add: bool
    ) -> tuple[str, str, dict[str, Any]]:
        """AIW: GET then the complete list in a PUT (§9.4); OIN: PATCH add or remove (§9.3)."""
        templates = self.ctx.templates
        if not self.aiw:
            if add:
                return (
                    "add-members",
                    "PATCH",
                    templates.add_members([templates.member(user["id"], user["userName"])]),
                )
            return "remove-members", "PATCH", templates.remove_member(user["id"])
        current = [m for m in self._read("get-group", path).get("members") or [] if isinstance(m, dict)]
        members = [m for m in current if m.get("value") != user["id"]]
        if add:
            members.append(templates.member(user["id"], user["userName"]))
        return "replace-group", "PUT", templates.put_group(group["displayName"], members)

    def import_pass(self) -> None:
        """Page through every user, then every group: startIndex += 100 (§4)."""
        for kind, endpoint, template in (
            ("users", "/Users", "import_users"),
            ("groups", "/Groups", "import_groups"),
        ):
            self._page_through(kind, endpoint, self.ctx.templates.query(template))

    def _page_through(self, kind: str, endpoint: str, query: dict[str, Any]) -> None:
        """One import pass; stops at totalResults (§4), or at an empty page so a wrong total cannot loop."""
        start, pages, seen, total = int(query["startIndex"]), 0, set(), 0
        while True:
            answer = self.http.send(f"import-{kind}", "GET", endpoint, query={**query, "startIndex": start})
            if answer.status != 200 or not isinstance(answer.body, dict):
                raise FlowFailed(f"import-{kind} answered {_status(answer)}")
            found = answer.body.get("Resources") or []
            total = answer.body.get("totalResults") if isinstance(answer.body.get("totalResults"), int) else 0
            pages += 1
            seen.update(r.get("id") for r in found if isinstance(r, dict))
            start += int(query["count"])
            if start > total or not found:
                break
        self.ctx.recorder.import_pass(kind, pages, len(seen), total)


def _record_create(entry: dict[str, Any], answer: Answer) -> None:
    """What a create's answer tells Okta: an id (201), a conflict (409), or nothing certain (none)."""
    rid = answer.body.get("id") if isinstance(answer.body, dict) else None
    if answer.status == 201 and isinstance(rid, str):
        entry["ids"].append(rid)
    elif answer.status == 409:
        entry["conflicts"] += 1
    elif answer.status == 0:
        entry["lost"] = True


def _require(answer: Answer, operation: str) -> None:
    """Fail the flow unless Okta accepts the answer (200, 201, 204)."""
    if not accepted(answer.status):
        raise FlowFailed(f"{operation} answered {_status(answer)}")


def _status(answer: Answer) -> str:
    """A status for messages: the number, or "no answer"."""
    return str(answer.status) if answer.status else "no answer (timeout or dropped connection)"
