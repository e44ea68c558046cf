"""Swagger UI at /docs and ReDoc at /redoc, with every asset served by the service itself.

The scripts, the stylesheet and the icon come from the `fastapi-offline` package (its copies
of swagger-ui-dist and redoc's standalone bundle), so the pages work with no outside host
in reach; their Content-Security-Policy makes the browser refuse to load anything from one.
"""

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs-assets"
_OAUTH2_REDIRECT_URL = f"{DOCS_URL}/oauth2-redirect"
_ASSETS = files("fastapi_offline") / "static"

# Swagger UI would otherwise send the document to an outside validator for its badge.
_SWAGGER_UI_PARAMETERS = {"validatorUrl": None}

# The browser itself keeps the pages on this host: ReDoc's side menu, for one, always draws
# its maker's logo from their CDN. Inline scripts and styles are the pages' own set-up.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "frame-ancestors 'self'",
    )
)


def _same_host_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page


def add_offline_docs(app: FastAPI) -> None:
    """Add the pages after the API's routes: requests for the API never walk past them."""
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    async def swagger_ui() -> HTMLResponse:
        return _same_host_only(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{title} - Swagger UI",
                oauth2_redirect_url=_OAUTH2_REDIRECT_URL,
                swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
                swagger_ui_parameters=_SWAGGER_UI_PARAMETERS,
            )
        )

    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc() -> HTMLResponse:
        return _same_host_only(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{title} - ReDoc",
                redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )

    app.add_api_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_api_route(_OAUTH2_REDIRECT_URL, swagger_ui_oauth2_redirect, include_in_schema=False)
    app.add_api_route(REDOC_URL, redoc, include_in_schema=False)
    app.mount(ASSETS_URL, StaticFiles(directory=str(_ASSETS)), name="docs-assets")
