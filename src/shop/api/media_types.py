"""415 for a request body in a media type its operation does not read."""

from fastapi import FastAPI, params
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from shop.api.problems import problem_response

JSON_MEDIA_TYPE = "application/json"
FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_json(media_type: str) -> bool:
    """application/json, or a JSON-based type such as application/merge-patch+json."""
    main, _, subtype = media_type.partition("/")
    return main == "application" and (subtype == "json" or subtype.endswith("+json"))


class MediaTypeGuard:
    """Wraps one route: a body sent as another media type than those it reads is a 415,
    answered before the body is read (without it, FastAPI would call a text body a
    "dictionary" that is missing, a 422)."""

    def __init__(self, app: ASGIApp, accepted: tuple[str, ...], accept_header: str) -> None:
        self.app = app
        self.accepted = accepted
        self.accept_header = accept_header  # Accept-Post or Accept-Patch (RFC 9110 15.5.16)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared, has_body = _content_type_and_body(scope)
        if self._reads(declared) or (declared is None and not has_body):
            await self.app(scope, receive, send)
            return
        listed = ", ".join(self.accepted)
        response = problem_response(
            415,
            scope["path"],
            f"The request body must be sent as {' or '.join(self.accepted)}.",
            headers={self.accept_header: listed},
        )
        await response(scope, receive, send)

    def _reads(self, declared: str | None) -> bool:
        if declared is None:
            return False
        if self.accepted == (JSON_MEDIA_TYPE,):
            return _is_json(declared)
        return declared in self.accepted


def _content_type_and_body(scope: Scope) -> tuple[str | None, bool]:
    """The request's media type (lower case, without parameters), and whether a body comes."""
    declared, has_body = None, False
    for name, value in scope["headers"]:
        if name == b"content-type":
            declared = value.decode("latin-1").partition(";")[0].strip().lower()
        elif name == b"content-length":
            has_body = value.strip() not in (b"0", b"")
        elif name == b"transfer-encoding":
            has_body = True
    return declared, has_body


def refuse_unsupported_media_types(app: FastAPI) -> None:
    """Guard every route that reads a body; the others (and their speed) are left as they are."""
    for route in app.router.routes:
        if not isinstance(route, APIRoute) or route.body_field is None:
            continue
        is_form = isinstance(route.body_field.field_info, params.Form)
        accepted = FORM_MEDIA_TYPES if is_form else (JSON_MEDIA_TYPE,)
        accept_header = "Accept-Patch" if "PATCH" in (route.methods or ()) else "Accept-Post"
        route.app = MediaTypeGuard(route.app, accepted, accept_header)
