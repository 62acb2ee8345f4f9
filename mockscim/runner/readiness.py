"""The Okta readiness table, as data: which Okta capability each library scenario (and step) proves,
what an Okta admin sees when it fails, how to fix it, and which app profiles turn which on.

Every row cites its source (``docs/okta-reference.md §N`` or the RFC). ``verdict.py`` evaluates
the table against a run; nothing here runs code. A text in double quotes is what Okta itself
displays; other "Okta shows" texts describe what the admin sees, in our words.
"""

from __future__ import annotations

from mockscim.runner.capability import AIW
from mockscim.runner.capability import BOTH
from mockscim.runner.capability import OIN
from mockscim.runner.capability import Capability
from mockscim.runner.capability import Evidence
from mockscim.runner.capability import Profile
from mockscim.runner.capability import Symptom

NO_RESULTS = '"No results for users returned" (docs/okta-reference.md §3)'
LIST_FIX = (
    "Answer with 200 and a full ListResponse: integer totalResults, startIndex and itemsPerPage, "
    "and Resources even when empty (RFC 7644 §3.4.2; docs/okta-reference.md §2.5, §3)"
)
WRONG_CREDENTIALS = (
    'For wrong credentials Okta\'s Test Connector Configuration must fail ("An error has occurred"); '
    "this answer lets a wrong token pass or hides why (docs/okta-reference.md §3)"
)
CREDENTIALS_FIX = (
    "Refuse missing or wrong credentials with 401 and a SCIM Error body with detail "
    "(RFC 7644 §3.12; docs/okta-reference.md §3, §12)"
)
DEPROVISION_TASK = (
    'One attempt, no retry: the Task "Application accounts need deprovisioning" asks the admin to '
    "disable the account in the app by hand (docs/okta-reference.md §7.4)"
)
GROUP_PUSH_ERROR = (
    "The group push is marked Error in Push Groups and later membership pushes stop "
    "(docs/okta-reference.md §9.1)"
)

CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        key="test-connector",
        title="Test connector",
        source="docs/okta-reference.md §3",
        shows=NO_RESULTS,
        fix=f"GET /Users?startIndex=1&count=2 and GET /Groups?startIndex=1&count=100: {LIST_FIX}",
        evidence=(
            Evidence("okta/common/test-connector", "test connector|save To App"),
            Evidence("okta/common/test-connector", "wrong credentials", WRONG_CREDENTIALS, CREDENTIALS_FIX),
            Evidence("okta/common/save-to-app-settings", "^save"),
            Evidence("okta/negative/bad-credentials", None, WRONG_CREDENTIALS, CREDENTIALS_FIX),
            Evidence("mock/empty-store", "test connector|save To App"),
            Evidence("okta/aiw/invicti-sequence", r"^[12]\. "),
            Evidence("okta/oin/catalog-app-sequence", "^test connector|^save To App"),
        ),
    ),
    Capability(
        key="import-users",
        title="Import users",
        source="docs/okta-reference.md §4",
        shows=(
            "Import Now stops early or misses users: Okta pages with startIndex += 100 until "
            "totalResults (docs/okta-reference.md §4)"
        ),
        fix=(
            "Page GET /Users by 1-based startIndex and count=100 with integer totalResults and a stable "
            "order (RFC 7644 §3.4.2.4; docs/okta-reference.md §4)"
        ),
        evidence=(
            Evidence("okta/common/import-users-paging", "import page|contiguous|ordering"),
            Evidence("mock/empty-store", "^import"),
            Evidence("okta/aiw/invicti-sequence", r"^3\. "),
            Evidence("okta/oin/catalog-app-sequence", "^import users"),
        ),
    ),
    Capability(
        key="import-groups",
        title="Import groups",
        source="docs/okta-reference.md §4",
        shows=(
            "Import Now misses app groups or their members: memberships in Okta come from each "
            "group's members (docs/okta-reference.md §4)"
        ),
        fix=(
            "Page GET /Groups like /Users and return members[].value as user ids "
            "(RFC 7644 §3.4.2.4; RFC 7643 §4.2; docs/okta-reference.md §4)"
        ),
        evidence=(
            Evidence("okta/common/import-groups-paging", "import page|contiguous|carries its members"),
        ),
    ),
    Capability(
        key="create-users",
        title="Create users",
        source="docs/okta-reference.md §5",
        shows=(
            'An empty 2xx body: "Create new user returned empty user."; an error status: a Task '
            "with the server's detail (docs/okta-reference.md §5.2)"
        ),
        fix=(
            "Look users up with userName eq (200 ListResponse, 0 or 1 hit), then answer POST /Users "
            "with 201 and the created user with its id (RFC 7644 §3.3; docs/okta-reference.md §5)"
        ),
        evidence=(
            Evidence("okta/common/assign-new-user"),
            Evidence(
                "okta/common/assign-existing-user",
                "look",
                "Okta cannot link the existing account and may create a duplicate (docs/okta-reference.md §5)",
                "Find the existing account by userName eq, and accept Okta's PUT of its profile "
                "(docs/okta-reference.md §5, §6)",
            ),
            Evidence(
                "okta/negative/duplicate-user",
                None,
                "No 409 to stop on: Okta ends up with a second account for one person (docs/okta-reference.md §5.2)",
                "Answer 409 with a SCIM Error (scimType uniqueness) for a userName that exists in any "
                "case (RFC 7644 §3.3, §3.12; RFC 7643 §4.1 userName caseExact false)",
            ),
            Evidence(
                "okta/negative/username-case-insensitive",
                None,
                "The lookup misses the account when the case differs, so Okta tries to create a "
                "duplicate (docs/okta-reference.md §5.1)",
                "Compare userName case-insensitively in filters (RFC 7643 §4.1; docs/okta-reference.md §5.1)",
            ),
            Evidence(
                "okta/negative/empty-result-list",
                "^user lookup|invalid user lookup",
                "The assignment fails at the lookup, before any create (docs/okta-reference.md §5.1)",
                f"A lookup with no match: {LIST_FIX}",
            ),
            Evidence("okta/aiw/invicti-sequence", r"^4\. "),
            Evidence("okta/oin/catalog-app-sequence", "^assign"),
        ),
    ),
    Capability(
        key="update-users",
        title="Update user attributes",
        source="docs/okta-reference.md §6",
        shows=(
            "A red banner and a Task saying the profile updates have errors; Retry repeats the "
            "same requests (docs/okta-reference.md §6)"
        ),
        fix=(
            "Answer GET /Users/{id} with the full user, and accept Okta's full PUT (it echoes id, meta "
            "and whatever GET returned) with 200 and the stored user (RFC 7644 §3.5.1; "
            "docs/okta-reference.md §6)"
        ),
        evidence=(
            Evidence("okta/common/update-profile", "read the user before|push|stored"),
            Evidence("okta/common/assign-existing-user", "^read the linked|^push Okta's profile"),
            Evidence("okta/oin/assign-existing-inactive-user", "^push the profile"),
            Evidence(
                "okta/negative/unknown-id",
                None,
                "Okta cannot tell a missing user from a broken server (docs/okta-reference.md §6, §10.1)",
                "Answer an unknown id with 404 and a SCIM Error body (RFC 7644 §3.12; docs/okta-reference.md §10.1)",
            ),
            Evidence("okta/aiw/invicti-sequence", r"^5\. "),
            Evidence("okta/oin/catalog-app-sequence", "^profile change"),
        ),
    ),
    Capability(
        key="deactivate-users",
        title="Deactivate users",
        source="docs/okta-reference.md §7",
        shows=DEPROVISION_TASK,
        fix=(
            "Set active false and keep the user readable: GET /Users/{id} answers 200 with active "
            "false, never 404 (docs/okta-reference.md §7.3)"
        ),
        evidence=(
            Evidence(
                "okta/aiw/deactivate-reactivate-user",
                "before unassigning|^unassign|inactive user stays readable",
            ),
            Evidence("okta/oin/deactivate-reactivate-user", "^deactivate|inactive user stays readable"),
            Evidence("okta/aiw/invicti-sequence", r"^6\. "),
            Evidence("okta/oin/catalog-app-sequence", "^deactivate|inactive user is readable"),
        ),
        fixes=(
            (
                AIW,
                "Accept GET /Users/{id} then a full PUT with active false (200), and keep the user "
                "readable: GET answers 200 with active false, never 404 (docs/okta-reference.md §7.2, §7.3)",
            ),
            (
                OIN,
                "Accept a path-less PATCH {op: replace, value: {active: false}} with 200 or 204 "
                "(RFC 7644 §3.5.2.3; docs/okta-reference.md §7.1), and keep the user readable (§7.3)",
            ),
        ),
    ),
    Capability(
        key="reactivate-users",
        title="Reactivate users",
        source="docs/okta-reference.md §7.3",
        shows=(
            "The re-assigned user stays inactive in the app, or a second account is created, and "
            "the assignment ends in an error Task (docs/okta-reference.md §7.3)"
        ),
        fix=(
            "Find the inactive user by userName eq, and set active true on the same id, without "
            "creating a new user (docs/okta-reference.md §7.3)"
        ),
        evidence=(
            Evidence(
                "okta/aiw/deactivate-reactivate-user", "re-assign|reactivate|active again|still one user"
            ),
            Evidence(
                "okta/oin/deactivate-reactivate-user", "re-assign|reactivate|active again|still one user"
            ),
            Evidence("okta/aiw/assign-existing-inactive-user", "^look|inactive user|reactivate|is active"),
            Evidence("okta/oin/assign-existing-inactive-user", "^look|^reactivate|one active user"),
            Evidence("okta/aiw/invicti-sequence", r"^7\. re-assign, (lookup|GET|PUT)"),
            Evidence("okta/oin/catalog-app-sequence", "^reactivate|active with the new profile"),
        ),
    ),
    Capability(
        key="password-sync",
        title="Sync password",
        source="docs/okta-reference.md §8",
        shows=(
            "The password push fails as a Task, and the user cannot sign in to the app with the "
            "Okta password (docs/okta-reference.md §8)"
        ),
        fix=(
            "Accept password in a PUT (AIW) or a path-less PATCH value (OIN), store it write-only "
            "and never return it (RFC 7643 §4.1.1; docs/okta-reference.md §8)"
        ),
        evidence=(
            Evidence("okta/aiw/password-sync", "before the push|new password|unchanged"),
            Evidence("okta/oin/password-sync", "new password|unchanged"),
            Evidence("okta/aiw/invicti-sequence", r"^8\. "),
            Evidence("okta/oin/catalog-app-sequence", "^password sync"),
        ),
    ),
    Capability(
        key="push-groups",
        title="Push groups",
        source="docs/okta-reference.md §9.1",
        shows=GROUP_PUSH_ERROR,
        fix=(
            "Answer POST /Groups with 201 and the group's id, then accept Okta's follow-up: GET and a "
            "full PUT with the same name (AIW), or a path-less PATCH with id and displayName (OIN) "
            "(docs/okta-reference.md §9.1, §9.4, §9.5)"
        ),
        evidence=(
            Evidence("okta/aiw/push-group", "push the group|follow-up|keeps its name"),
            Evidence("okta/oin/push-group", "push the group|name update|keeps its id"),
            Evidence(
                "okta/common/link-group-by-name",
                "^look the group up",
                "Link Group cannot find the existing app group (docs/okta-reference.md §9.2)",
                "Support displayName eq on GET /Groups (RFC 7644 §3.4.2.2; docs/okta-reference.md §9.2)",
            ),
            Evidence(
                "okta/negative/empty-result-list",
                "^group lookup",
                "Push Groups cannot tell whether the group exists in the app (docs/okta-reference.md §9.2)",
                f"A group lookup with no match: {LIST_FIX}",
            ),
            Evidence("okta/aiw/invicti-sequence", r"^9\. push group"),
            Evidence("okta/oin/catalog-app-sequence", "^push group"),
        ),
        fixes=(
            (
                AIW,
                "Answer POST /Groups with 201 and the id, then accept GET and a full PUT with the same "
                "displayName: a group repeating its own name is no duplicate (docs/okta-reference.md §9.1, §9.4)",
            ),
            (
                OIN,
                "Answer POST /Groups with 201 and the id, then accept the path-less PATCH whose value "
                "carries id and displayName (RFC 7644 §3.5.2; docs/okta-reference.md §9.1)",
            ),
        ),
    ),
    Capability(
        key="rename-groups",
        title="Rename groups",
        source="docs/okta-reference.md §9.5",
        shows="The app group keeps its old name; the push is marked Error (docs/okta-reference.md §9.5)",
        fix=(
            "Accept the new displayName in a full PUT (AIW) or a path-less PATCH whose value carries "
            "id and displayName (OIN), and find the group under its new name (docs/okta-reference.md §9.5)"
        ),
        evidence=(
            Evidence("okta/aiw/rename-group", "before the rename|^rename|new name"),
            Evidence("okta/oin/rename-group", "^rename|new name"),
            Evidence("okta/aiw/invicti-sequence", "rename"),
            Evidence("okta/oin/catalog-app-sequence", "^rename|new name"),
        ),
    ),
    Capability(
        key="group-membership",
        title="Group membership changes",
        source="docs/okta-reference.md §9.3, §9.4",
        shows=(
            "Members in the app drift from the Okta group, and the group push is marked Error "
            "(docs/okta-reference.md §9.3, §9.4)"
        ),
        fix="Keep the app's members equal to what Okta pushes (docs/okta-reference.md §9.3, §9.4)",
        fixes=(
            (
                AIW,
                "Treat each full-list PUT /Groups/{id} as the whole membership, last write wins, and "
                "accept members: [] (RFC 7644 §3.5.1; docs/okta-reference.md §9.4)",
            ),
            (
                OIN,
                'Accept PATCH add on members, remove with members[value eq "id"], and replace with a '
                "list or [] (RFC 7644 §3.5.2; docs/okta-reference.md §9.3)",
            ),
        ),
        evidence=(
            Evidence("okta/aiw/group-membership", "^(?!assign user|the lookup finds)"),
            Evidence("okta/oin/group-membership", "^(?!assign user)"),
            Evidence("okta/aiw/invicti-sequence", "membership change|has both users|re-assign, group"),
            Evidence("okta/oin/catalog-app-sequence", "^membership|has both users|only the first user"),
        ),
    ),
    Capability(
        key="delete-groups",
        title="Delete group (unlink with delete)",
        source="docs/okta-reference.md §9.7",
        shows="The group stays in the app after Unlink pushed group > Delete (docs/okta-reference.md §9.7)",
        fix=(
            "Answer DELETE /Groups/{id} with 204, then 404 for the group; never delete its members "
            "(RFC 7644 §3.6; docs/okta-reference.md §9.7)"
        ),
        evidence=(
            Evidence("okta/common/unlink-group-delete", "delete|gone|untouched|still found"),
            Evidence("okta/aiw/invicti-sequence", "unlink with delete|outlive"),
            Evidence("okta/oin/catalog-app-sequence", "unlink with delete|outlive"),
        ),
    ),
    Capability(
        key="spec-test",
        title="Okta's SCIM 2.0 SPEC test (OIN submission)",
        source="docs/okta-reference.md §12",
        shows="Okta's Runscope SPEC test reports a failed required test; an OIN submission needs them all (docs/okta-reference.md §12)",
        fix="Make the failing SPEC test step pass; each step's assertions are listed in docs/okta-reference.md §12",
        evidence=(Evidence("okta/spec-test/okta-scim-20-spec-test"),),
        dialects=(OIN,),
    ),
)

SYMPTOMS: tuple[Symptom, ...] = (
    Symptom(
        "status:429",
        "Okta pauses the task as rate-limited, waits Retry-After seconds (5 minutes without an "
        "integer value), doubles the wait on each 429 and gives up after 10 attempts "
        "(docs/okta-reference.md §10.3)",
        "Send Retry-After as whole seconds, and allow Okta's request rate (docs/okta-reference.md §10.3)",
    ),
    Symptom(
        "transport",
        'No answer: Okta closes the socket after 60 s; an assignment shows "Error while verifying if '
        'user exists: null" and the action becomes a Task to retry by hand '
        "(docs/okta-reference.md §2.5, §5.1, §10.4)",
        "Answer every request within 60 s (docs/okta-reference.md §2.5)",
    ),
    Symptom(
        "error-not-json",
        "Okta parses error bodies as JSON, so the admin sees \"Unrecognized token '...': was expecting "
        "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')\" instead of the "
        "server's reason (docs/okta-reference.md §2.5)",
        "Send errors as a SCIM Error JSON body with detail (RFC 7644 §3.12; docs/okta-reference.md §2.5)",
    ),
)

PROFILES: dict[str, Profile] = {
    "all": Profile(
        "all",
        "every capability, both dialects",
        BOTH,
        tuple(c.key for c in CAPABILITIES),
        "docs/okta-reference.md §1",
    ),
    # An AIW custom app with every provisioning action, Sync Password and Push Groups (§13): users
    # are deactivated, never deleted (Okta never deletes users, §7); a pushed group is deleted when
    # the admin unlinks it with "Delete the group in the target app" (§9.7, §13 step 9); the SPEC
    # test is for OIN submissions.
    "invicti": Profile(
        "invicti",
        "Invicti: AIW custom app, every provisioning action, Sync Password, Push Groups",
        (AIW,),
        tuple(c.key for c in CAPABILITIES if c.key != "spec-test"),
        "docs/okta-reference.md §13",
    ),
}
