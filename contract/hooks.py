"""schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

The Swagger cannot say which ids exist, whose token is whose, or what a photo is; left alone
the fuzzer would only ever see 404 for a random id and 422 for random bytes. Before each call
(every phase goes through `before_call`) these hooks, for a case that is valid input:
- point the path `id` at a user of the fixture most of the time (yourself, another user of your
  account, a disabled user, one of another account, none at all), so 200, 403 and 404 all occur;
- send it with the administrator's or the plain user's token in turn;
- replace the file of Update Profile Photo with one of the real photos in PORTRAIT_PHOTOS;
- make the email address of Update User unique to the call.
Invalid cases keep whatever the fuzzer made of them: they must be refused with a documented
status and a body that conforms.
"""

import itertools
import os
from pathlib import Path

import schemathesis

FILE_PART = "user[profile_photo_attachment_file]"
# Users of contract/fixture.json; 999 exists nowhere.
USER_IDS = [10, 11, 12, 13, 14, 20, 999]
TOKENS = [os.environ["PORTRAIT_ADMIN_TOKEN"], os.environ["PORTRAIT_PLAIN_TOKEN"]]
PHOTOS = sorted(Path(os.environ["PORTRAIT_PHOTOS"]).glob("*"))
if not PHOTOS:
    raise SystemExit("PORTRAIT_PHOTOS names a directory with no photos")

_calls = itertools.count()


def _is_positive(case):
    meta = getattr(case, "meta", None)
    return meta is None or meta.generation.mode.is_positive


@schemathesis.hook
def before_call(context, case, kwargs):
    n = next(_calls)
    case.headers = dict(case.headers or {})
    case.headers.setdefault("Authorization", f"Bearer {TOKENS[n % 2]}")
    if not _is_positive(case):
        return
    if case.path_parameters and "id" in case.path_parameters and n % 4 != 3:
        case.path_parameters = {**case.path_parameters, "id": USER_IDS[(n // 2) % len(USER_IDS)]}
    if isinstance(case.body, dict) and FILE_PART in case.body:
        photo = PHOTOS[n % len(PHOTOS)]
        case.body = {**case.body, FILE_PART: photo.read_bytes()}
    user = case.body.get("user") if isinstance(case.body, dict) else None
    if isinstance(user, dict) and isinstance(user.get("email_address"), str):
        case.body = {**case.body, "user": {**user, "email_address": _unique(user["email_address"], n)}}


def _unique(address, n):
    """The same address with a per-call prefix: that another user already has an address is a
    422 no schema can foresee (the coverage phase sends the same example address many times)."""
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    return f"f{n}{local}"[:64].rstrip(".") + "@" + domain


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Drop one false positive of schemathesis with Swagger 2.0: it asks every response for a
    documented `produces` type, even a 204 whose schema-less response has no body (it falls back
    to the global `produces` when an operation's is empty). A 204 with an empty body and no
    Content-Type is what Kantata's Reset Profile Photo documents. Anything else stays a failure.
    """
    missing_type = type(failure).__name__ == "MissingContentType"
    return not (missing_type and response.status_code == 204 and not response.content)


STATUS_LOG = os.environ.get("PORTRAIT_STATUS_LOG")


@schemathesis.hook
def after_call(context, case, response):
    """One line per call (`METHOD PATH STATUS`) for the run's summary of what was answered."""
    if STATUS_LOG:
        with open(STATUS_LOG, "a", encoding="utf-8") as log:
            log.write(f"{case.method} {case.operation.path} {response.status_code}\n")
