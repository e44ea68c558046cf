"""RFC 9457 problem details, as every error of the API must look: one check for all tests."""

from typing import Any

from httpx import Response

PROBLEM_JSON = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """An RFC 9457 problem with `status`; a 422 also lists what was wrong."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    problem = response.json()
    assert problem.keys() >= PROBLEM_KEYS
    assert problem["status"] == status
    assert problem["instance"] == response.request.url.path
    assert all(isinstance(problem[key], str) and problem[key] for key in PROBLEM_KEYS - {"status"})
    if status == 422:
        assert problem["errors"], problem
        for error in problem["errors"]:
            assert {"loc", "msg", "type"} <= error.keys()
            assert isinstance(error["loc"], list)
    return problem


def error_fields(problem: dict[str, Any]) -> set[Any]:
    """Every name in the locations of a 422's errors."""
    return {part for error in problem["errors"] for part in error["loc"]}
