"""A local HTTP server answering like ConnectWise, HaloPSA and Autotask (shapes from the
vendors' docs, see shared/reference/psa-apis.md), and like the IT documentation tools Hudu and
IT Glue: it checks auth headers, paths and bodies."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import uvicorn
from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from tests.fakes.server import _free_port

CW_AUTH = "Basic " + base64.b64encode(b"acme+pub:priv").decode()
# Boards and their statuses: status ids belong to one board (ConnectWise developer guide,
# "Service Board Statuses": GET /service/boards/{id}/statuses).
CW_BOARDS: dict[int, dict[str, Any]] = {
    1: {
        "name": "Help Desk",
        "statuses": {1: "New", 2: "In Progress", 564: "Resolved", 565: "Closed"},
    },
    2: {"name": "Projects", "statuses": {10: "New", 777: "Resolved", 778: "Closed"}},
}
CW_CODEBASE = "v4_6_release/"
CW_NOTE_FLAGS = {"detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag"}
# TimeEntry.billableOption values (ConnectWise PSA OpenAPI, TimeEntry model; e.g.
# sowderca/connectwise-ruby-sdk docs/TimeEntry.md lists billable_option as required).
CW_BILLABLE_OPTIONS = {"Billable", "DoNotBill", "NoCharge", "NoDefault"}
# The fields /system/members can be filtered on by e-mail or identifier (Member model:
# identifier, firstName, lastName, primaryEmail, officeEmail, inactiveFlag).
CW_CONTAINS = re.compile(r'(\w+)\s+contains\s+"((?:[^"\\]|\\.)*)"')


def cw_unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


CW_MEMBER_CONDITION = re.compile(r'(identifier|primaryEmail|officeEmail)\s*=\s*"((?:[^"\\]|\\.)*)"')
# Operators of an Autotask query filter (Autotask REST API, "Basic query calls": eq, noteq,
# gt, gte, lt, lte, beginsWith, endsWith, contains, exist, notExist, in, notIn).
AT_QUERY_OPS = {
    "eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains",
    "exist", "notExist", "in", "notIn",
}  # fmt: skip
AT_RESOURCE_FIELDS = {"id", "email", "firstName", "lastName", "isActive", "userName"}


# ── IT Glue ──
# Shapes from IT Glue's developer documentation (https://api.itglue.com/developer, as
# crawled 2025-08-18 in santy18/work_workspace
# python/notebooks/website_crawler/developer/developer-d6f93dfbd4.md):
# - "All API requests require the following headers: x-api-key: {{api-token}} /
#   Content-Type: application/vnd.api+json ... if the request does not have a payload, the
#   Content-Type header is not required"; each write lists "415 Unsupported Media Type".
# - "Trying to access the API with an incorrect key will result in an HTTP 403 error";
#   every endpoint lists "401 Unauthorized" (here: no key at all).
# - GET /organizations/:id and GET /flexible_asset_types/:id?include=flexible_asset_fields
#   (the fields' `name-key`s come in "included", type "flexible-asset-fields").
# - POST /flexible_assets: {"data": {"type": "flexible-assets", "attributes":
#   {"organization-id", "flexible-asset-type-id", "traits": {name-key: value}}}}; the
#   Documents resource only documents update (PATCH), not create, so FlowPilot exports
#   a KB article as a flexible asset.
# Error bodies are JSON:API error objects, as IT Glue answers them in its own wrapper's
# issues (github.com/itglue/powershellwrapper #72, #102: {"errors":[{"status":422,"title":
# "Unprocessable Entity","detail":"Request contains invalid trait keys","source":{"pointer":
# "data/attributes/traits"}}]}; #96: "detail":["can't be blank"] for a required field).
ITGLUE_KEY = "ITG.itglue-key"
JSON_API = "application/vnd.api+json"
ITGLUE_ASSET_TYPES = {"flexible-assets", "flexible_assets"}


def itglue_error(status: int, title: str, detail: Any = None, pointer: str = "") -> JSONResponse:
    error: dict[str, Any] = {"status": status, "title": title}
    if detail is not None:
        error["detail"] = detail
    if pointer:
        error["source"] = {"pointer": pointer}
    return JSONResponse({"errors": [error]}, status, media_type=JSON_API)


def at_refused(*errors: str) -> JSONResponse:
    """How Autotask refuses invalid input: HTTP 500 and {"errors": [...]}."""
    return JSONResponse({"errors": list(errors)}, 500)


def cw_invalid(message: str, status: int = 400) -> JSONResponse:
    """ConnectWise's error body: {code, message, errors[]} (API reference, "Errors")."""
    return JSONResponse({"code": "InvalidObject", "message": message, "errors": []}, status)


@dataclass
class PsaState:
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    time_entries: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)
    hudu_articles: list[dict[str, Any]] = field(default_factory=list)
    # IT Glue: flexible assets created, the organizations (id → name) and the flexible asset
    # types (id → name and fields: name-key → required) of the account.
    itglue_assets: list[dict[str, Any]] = field(default_factory=list)
    itglue_organizations: dict[int, str] = field(
        default_factory=lambda: {4489414129010794: "Acme MSP (internal)", 77: "Happy Frog"}
    )
    itglue_asset_types: dict[int, dict[str, Any]] = field(
        default_factory=lambda: {
            1708673018626277: {
                "name": "KB Article",
                "fields": {"title": True, "body": True, "category": False},
            },
            33: {"name": "Email", "fields": {"type": True, "webmail-url": False}},
        }
    )
    status_changes: list[tuple[str, int, int]] = field(default_factory=list)
    latency_s: float = 0.0  # added to every answer (benchmarks)
    tokens_issued: int = 0
    paths: list[str] = field(default_factory=list)  # every request's path, in order
    halo_tokens: set[str] = field(default_factory=set)  # issued and not expired
    halo_refuse_tokens: bool = False  # every bearer token answered with 401
    # A tenant's action outcomes, id → name: they vary per tenant ("Private Note" is common,
    # "Note" may not exist).
    halo_outcomes: dict[int, str] = field(
        default_factory=lambda: {
            1: "Private Note",
            2: "Public Note",
            3: "Email User",
            4: "Change Status",
        }
    )
    autotask_read_only: bool = False  # the API user may read but not create or update
    # People each vendor knows (the lookups and the attribution of notes and time check them).
    cw_members: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "id": 178,
                "identifier": "jdoe",
                "firstName": "Jane",
                "lastName": "Doe",
                "primaryEmail": "jane.doe@acme.example",
                "officeEmail": "jane@acme.example",
                "inactiveFlag": False,
            },
            {
                "id": 180,
                "identifier": "tier1",
                "firstName": "Tier",
                "lastName": "One",
                "primaryEmail": "helpdesk@acme.example",
                "officeEmail": "",
                "inactiveFlag": False,
            },
            {
                "id": 179,
                "identifier": "oldtech",
                "firstName": "Old",
                "lastName": "Tech",
                "primaryEmail": "old.tech@acme.example",
                "officeEmail": "",
                "inactiveFlag": True,
            },
        ]
    )
    cw_work_types: dict[int, str] = field(
        default_factory=lambda: {1: "Remote Support", 2: "Onsite"}
    )
    halo_agents: dict[int, dict[str, Any]] = field(
        default_factory=lambda: {
            5: {"name": "Ann Agent", "email": "ann@acme.example", "isdisabled": False},
            # Its address contains Ann's: a search by her address finds both.
            6: {"name": "Jo Ann Agent", "email": "joann@acme.example", "isdisabled": False},
            7: {"name": "Gone Agent", "email": "gone@acme.example", "isdisabled": True},
        }
    )
    # Resources with the roles they may log time in (ResourceServiceDeskRoles).
    autotask_resources: dict[int, dict[str, Any]] = field(
        default_factory=lambda: {
            29682930: {
                "firstName": "Rita",
                "lastName": "Resource",
                "email": "rita@acme.example",
                "userName": "rresource",
                "isActive": True,
                "defaultServiceDeskRoleID": 29683461,
                "roles": {29683461, 29683462},
            },
            29682931: {
                "firstName": "Noel",
                "lastName": "Norole",
                "email": "noel@acme.example",
                "userName": "nnorole",
                "isActive": True,
                "defaultServiceDeskRoleID": None,
                "roles": {29683462},
            },
            29682932: {
                "firstName": "Ivy",
                "lastName": "Inactive",
                "email": "ivy@acme.example",
                "userName": "iinactive",
                "isActive": False,
                "defaultServiceDeskRoleID": 29683461,
                "roles": {29683461},
            },
        }
    )
    autotask_billing_codes: set[int] = field(default_factory=lambda: {29682801, 29682802})
    autotask_requests: int = 0  # authenticated Autotask calls answered (ThresholdInformation)
    # Injected answers, one per vendor call in order; None lets that call through.
    fail_next: list[tuple[int, dict[str, Any], dict[str, str]] | None] = field(default_factory=list)
    # The next N writes are made, but their answers never arrive (a gateway timeout): what a
    # client sees when the vendor took a note and the connection dropped before the reply.
    lose_writes: int = 0


class FakePsa:
    def __init__(self) -> None:
        self.state = PsaState()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        connectwise = [
            Route("/system/info", self.cw_info),
            Route("/service/tickets/{tid:int}", self.cw_ticket, methods=["GET", "PATCH"]),
            Route("/service/tickets/{tid:int}/notes", self.cw_note, methods=["GET", "POST"]),
            Route("/time/entries", self.cw_time, methods=["GET", "POST"]),
            Route("/service/boards/{bid:int}/statuses", self.cw_board_statuses),
            Route("/system/members", self.cw_member_list),
        ]
        routes = [
            # The site serves the API under its codebase: https://{site}/{codebase}apis/3.0
            # (ConnectWise developer guide, "Calling Company Info"); tests that give the
            # full API URL use /cw/apis/3.0.
            Mount("/cw/apis/3.0", routes=connectwise),
            Mount(f"/cw/{CW_CODEBASE}apis/3.0", routes=connectwise),
            Route("/cw/login/companyinfo/{company}", self.cw_company_info),
            Route("/halo/auth/token", self.halo_token, methods=["POST"]),
            Route("/halo/api/Tickets/{tid:int}", self.halo_ticket),
            Route("/halo/api/Tickets", self.halo_update_tickets, methods=["POST"]),
            Route("/halo/api/Actions", self.halo_actions, methods=["GET", "POST"]),
            Route("/halo/api/Outcome", self.halo_outcome_list),
            Route("/halo/api/Agent", self.halo_agent_list),
            Route("/halo/api/KBArticle", self.halo_kb, methods=["POST"]),
            Route("/hudu/api/v1/api_info", self.hudu_info),
            Route("/hudu/api/v1/articles", self.hudu_article, methods=["POST"]),
            Route("/itglue/organizations/{oid:int}", self.itglue_organization),
            Route("/itglue/flexible_asset_types/{tid:int}", self.itglue_asset_type),
            Route("/itglue/flexible_assets", self.itglue_create_asset, methods=["POST"]),
            Route("/at/zoneInformation", self.at_zone),
            Route("/at/zone1/V1.0/ThresholdInformation", self.at_threshold),
            Route("/at/zone1/V1.0/Tickets/{tid:int}", self.at_ticket),
            Route("/at/zone1/V1.0/Tickets", self.at_update_ticket, methods=["PATCH"]),
            Route("/at/zone1/V1.0/Tickets/{tid:int}/Notes", self.at_note, methods=["POST"]),
            Route("/at/zone1/V1.0/TicketNotes", self.at_top_level_notes, methods=["POST"]),
            Route("/at/zone1/V1.0/Companies/{cid:int}", self.at_company),
            Route("/at/zone1/V1.0/Contacts/{cid:int}", self.at_contact),
            Route("/at/zone1/V1.0/Resources/query", self.at_resource_query, methods=["POST"]),
            Route("/at/zone1/V1.0/TimeEntries", self.at_time_entry, methods=["POST"]),
            Route("/at/zone1/V1.0/TicketNotes/query", self.at_notes_query, methods=["POST"]),
            Route("/at/zone1/V1.0/TimeEntries/query", self.at_time_query, methods=["POST"]),
        ]
        # Ticket search (the picker) has its own block, see `search_routes`: first, because
        # the ConnectWise mounts above would answer its paths with a 404.
        routes[:0] = self.search_routes()
        app = Starlette(routes=routes)
        app.add_middleware(BaseHTTPMiddleware, dispatch=self._vendor_latency)
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def _vendor_latency(self, request: Request, call_next: Any) -> Response:
        self.state.paths.append(request.url.path)
        if self.state.latency_s:
            # The request is read first: like a real server, a write the client stops
            # waiting for is still made.
            await request.body()
            await asyncio.sleep(self.state.latency_s)
        response: Response = await call_next(request)
        written = request.method in ("POST", "PATCH") and not request.url.path.endswith("/query")
        if written and response.status_code < 300 and self.state.lose_writes > 0:
            self.state.lose_writes -= 1
            return JSONResponse({"message": "Gateway Timeout"}, 504)
        return response

    def start(self) -> FakePsa:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            assert time.time() < deadline
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)

    def _injected(self) -> Response | None:
        if self.state.fail_next:
            injected = self.state.fail_next.pop(0)
            if injected is not None:
                status, body, headers = injected
                return JSONResponse(body, status, headers=headers)
        return None

    # ── ConnectWise ──
    def _cw_ok(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != CW_AUTH or not request.headers.get("clientid"):
            return JSONResponse(
                {"code": "Unauthorized", "message": "Invalid credentials", "errors": []}, 401
            )
        return self._injected()

    async def cw_company_info(self, request: Request) -> Response:
        """GET https://{site}/login/companyinfo/{companyId}, no auth: the codebase the API
        lives under (ConnectWise developer guide, "Calling Company Info"; e.g.
        covenanttechnologysolutions/connectwise-rest reads `Codebase` from it). The answer
        for an unknown company is unconfirmed: a 404 here (the adapter also reads a null or
        Codebase-less answer as unknown)."""
        company = request.path_params["company"]
        if company.lower() != "acme":
            return JSONResponse(None, 404)
        return JSONResponse(
            {
                "CompanyName": "Acme MSP",
                "Codebase": CW_CODEBASE,
                "VersionCode": "v2025.1",
                "VersionNumber": "v4.6.10431",
                "CompanyID": company,
                "IsCloud": False,
                "SiteUrl": request.url.netloc,
            }
        )

    async def cw_info(self, request: Request) -> Response:
        if (bad := self._cw_ok(request)) is not None:
            return bad
        return JSONResponse({"version": "v2025.1.10431", "isCloud": True, "serverTimeZone": "UTC"})

    async def cw_ticket(self, request: Request) -> Response:
        if (bad := self._cw_ok(request)) is not None:
            return bad
        tid = request.path_params["tid"]
        if tid not in self.state.tickets:
            return JSONResponse(
                {"code": "NotFound", "message": f"Ticket {tid} not found", "errors": []}, 404
            )
        if request.method == "PATCH":
            return await self._cw_patch(request, tid)
        t = self.state.tickets[tid]
        board = t.get("board_id", 1)
        # No `initialDescription`: the API spec marks it "only available for POST, will not
        # be returned in the response" (ConnectWise PSA OpenAPI, Ticket model; the generated
        # clients, e.g. HealthITAU/pyconnectwise TicketModel, only send it). The description
        # lives in the first note with detailDescriptionFlag (see cw_notes_list).
        return JSONResponse(
            {
                "id": tid,
                "summary": t["summary"],
                "board": {"id": board, "name": CW_BOARDS[board]["name"]},
                "company": {"id": 1, "identifier": "Acme", "name": t["company"]},
                "contact": {"id": 2, "name": t["contact"]},
                "contactEmailAddress": t.get("contact_email", ""),
                "status": {"id": 1, "name": "New"},
            }
        )

    async def _cw_patch(self, request: Request, tid: int) -> Response:
        ops = await request.json()
        valid = (
            isinstance(ops, list)
            and all({"op", "path", "value"} <= set(op) for op in ops)
            and ops[0]["path"] == "status"
            and isinstance(ops[0]["value"].get("id"), int)
        )
        if not valid:
            return JSONResponse(
                {"code": "InvalidObject", "message": "Expected a JSON Patch array", "errors": []},
                400,
            )
        board = self.state.tickets[tid].get("board_id", 1)
        if ops[0]["value"]["id"] not in CW_BOARDS[board]["statuses"]:
            # A status id of another board is refused (status ids belong to one board).
            return cw_invalid(f"Status {ops[0]['value']['id']} is not valid for this board")
        self.state.status_changes.append(("connectwise", tid, ops[0]["value"]["id"]))
        return JSONResponse({"id": tid, "status": ops[0]["value"]})

    async def cw_board_statuses(self, request: Request) -> Response:
        """GET /service/boards/{id}/statuses, optionally `conditions=name="Resolved"`
        (ConnectWise developer guide, "Conditions": string values in double quotes)."""
        if (bad := self._cw_ok(request)) is not None:
            return bad
        board = CW_BOARDS.get(request.path_params["bid"])
        if board is None:
            return cw_invalid("Board not found", 404)
        statuses = [
            {"id": sid, "name": name, "board": {"id": request.path_params["bid"]}}
            for sid, name in board["statuses"].items()
        ]
        condition = request.query_params.get("conditions", "").strip()
        if condition:
            named = re.fullmatch(r'name\s*=\s*"((?:[^"\\]|\\.)*)"', condition)
            if not named:
                return cw_invalid(f"Invalid condition: {condition}")
            statuses = [s for s in statuses if s["name"] == named[1].replace('\\"', '"')]
        return JSONResponse(statuses)

    def cw_ticket_notes(self, tid: int) -> list[dict[str, Any]]:
        """The ticket's notes: the description the ticket was created with (the first
        detail note), then every note posted to it."""
        t = self.state.tickets[tid]
        notes = []
        if t.get("description"):
            notes.append(
                {
                    "id": 1,
                    "ticketId": tid,
                    "text": t["description"],
                    "detailDescriptionFlag": True,
                    "internalAnalysisFlag": False,
                    "resolutionFlag": False,
                }
            )
        posted = [n for n in self.state.notes if n["vendor"] == "connectwise"]
        notes += [
            {k: v for k, v in n.items() if k != "vendor"} for n in posted if n["ticketId"] == tid
        ]
        return notes

    async def cw_notes_list(self, request: Request, tid: int) -> Response:
        """GET /service/tickets/{id}/notes with `conditions`, `orderBy`, `page`, `pageSize`
        (ConnectWise developer guide, "Pagination" and "Conditions": pageSize at most 1000,
        conditions like `detailDescriptionFlag=true` joined by `and`). An unreadable
        condition is a 400 as on the real API."""
        q = request.query_params
        notes = self.cw_ticket_notes(tid)
        for clause in filter(None, re.split(r"\s+and\s+", q.get("conditions", "").strip())):
            # String fields take `contains` with a double-quoted value (developer guide,
            # "Conditions").
            text = CW_CONTAINS.fullmatch(clause.strip())
            if text and text[1] == "text":
                notes = [n for n in notes if cw_unquote(text[2]) in str(n.get("text", ""))]
                continue
            flag = re.fullmatch(r"(\w+)\s*=\s*(true|false)", clause.strip(), re.IGNORECASE)
            if not flag or flag[1] not in CW_NOTE_FLAGS:
                return cw_invalid(f"Invalid condition: {clause}")
            want = flag[2].lower() == "true"
            notes = [n for n in notes if bool(n.get(flag[1])) is want]
        order = q.get("orderBy", "").strip()
        if order:
            by = re.fullmatch(r"id(?:\s+(asc|desc))?", order, re.IGNORECASE)
            if not by:
                return cw_invalid(f"Invalid orderBy: {order}")
            notes.sort(key=lambda n: n["id"], reverse=(by[1] or "").lower() == "desc")
        try:
            size, page = int(q.get("pageSize", "25")), int(q.get("page", "1"))
        except ValueError:
            return cw_invalid("page and pageSize must be numbers")
        if not (1 <= size <= 1000 and page >= 1):
            return cw_invalid("pageSize must be 1 to 1000")
        return JSONResponse(notes[(page - 1) * size : page * size])

    async def cw_note(self, request: Request) -> Response:
        if (bad := self._cw_ok(request)) is not None:
            return bad
        tid = request.path_params["tid"]
        if tid not in self.state.tickets:
            return JSONResponse(
                {"code": "NotFound", "message": f"Ticket {tid} not found", "errors": []}, 404
            )
        if request.method == "GET":
            return await self.cw_notes_list(request, tid)
        body = await request.json()
        required = {"text", "detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag"}
        if not required <= set(body):
            return JSONResponse(
                {
                    "code": "InvalidObject",
                    "message": "note is invalid",
                    "errors": [
                        {
                            "code": "Required",
                            "message": "missing",
                            "field": ",".join(required - set(body)),
                        }
                    ],
                },
                400,
            )
        if "member" in body and (refused := self._cw_member_refused(body["member"])):
            return refused
        note = {"id": 9000 + len(self.state.notes), "ticketId": request.path_params["tid"], **body}
        self.state.notes.append({"vendor": "connectwise", **note})
        return JSONResponse(note, 201)

    def _cw_member_refused(self, member: Any) -> Response | None:
        """A member reference must name an active member (Member model: `identifier`,
        `inactiveFlag`); ConnectWise refuses others with a 400 InvalidObject naming the
        field."""
        if not isinstance(member, dict) or not isinstance(member.get("identifier"), str):
            return cw_invalid("member: a member reference needs an identifier")
        known = {m["identifier"].lower(): m for m in self.state.cw_members}
        found = known.get(member["identifier"].lower())
        if found is None:
            return cw_invalid(f"member: member {member['identifier']!r} not found")
        if found["inactiveFlag"]:
            return cw_invalid(f"member: member {member['identifier']!r} is inactive")
        return None

    async def cw_member_list(self, request: Request) -> Response:
        """GET /system/members?conditions=primaryEmail="…" (Member model fields; string
        values in double quotes as in the developer guide's "Conditions"; the comparison is
        case-insensitive like the SQL behind it). Other conditions are a 400 here."""
        if (bad := self._cw_ok(request)) is not None:
            return bad
        condition = request.query_params.get("conditions", "").strip()
        members = list(self.state.cw_members)
        if condition:
            match = CW_MEMBER_CONDITION.fullmatch(condition)
            if not match:
                return cw_invalid(f"Invalid condition: {condition}")
            value = re.sub(r"\\(.)", r"\1", match[2]).lower()
            members = [m for m in members if str(m[match[1]]).lower() == value]
        return JSONResponse(members)

    async def cw_time(self, request: Request) -> Response:
        """POST /time/entries (TimeEntry model: chargeToId/chargeToType, member,
        timeStart required, timeEnd, billableOption, workType as a reference by id or
        name). The member and work type must exist."""
        if (bad := self._cw_ok(request)) is not None:
            return bad
        if request.method == "GET":
            return self.cw_time_list(request)
        body = await request.json()
        if body.get("chargeToType") != "ServiceTicket" or "timeStart" not in body:
            return JSONResponse(
                {"code": "InvalidObject", "message": "timeStart is required", "errors": []}, 400
            )
        if body.get("chargeToId") not in self.state.tickets:
            return cw_invalid(f"chargeToId: ticket {body.get('chargeToId')} not found")
        if "member" in body and (refused := self._cw_member_refused(body["member"])):
            return refused
        if body.get("billableOption") not in CW_BILLABLE_OPTIONS:
            return cw_invalid(f"billableOption: {body.get('billableOption')!r} is not valid")
        if "workType" in body:
            work = body["workType"]
            types = self.state.cw_work_types
            known = isinstance(work, dict) and (
                work.get("id") in types or work.get("name") in types.values()
            )
            if not known:
                return cw_invalid(f"workType: {work!r} not found")
        entry = {"id": 500 + len(self.state.time_entries), **body}
        self.state.time_entries.append({"vendor": "connectwise", **entry})
        return JSONResponse(entry, 201)

    def cw_time_list(self, request: Request) -> Response:
        """GET /time/entries?conditions=chargeToId=N and chargeToType="ServiceTicket" and
        notes contains "…" (TimeEntry model fields; conditions as in the developer guide).
        Other conditions are a 400 here."""
        entries = [e for e in self.state.time_entries if e["vendor"] == "connectwise"]
        for clause in re.split(r"\s+and\s+", request.query_params.get("conditions", "")):
            clause = clause.strip()
            charge = re.fullmatch(r"chargeToId\s*=\s*(\d+)", clause)
            text = CW_CONTAINS.fullmatch(clause)
            if charge:
                entries = [e for e in entries if e["chargeToId"] == int(charge[1])]
            elif clause == 'chargeToType="ServiceTicket"':
                entries = [e for e in entries if e["chargeToType"] == "ServiceTicket"]
            elif text and text[1] == "notes":
                entries = [e for e in entries if cw_unquote(text[2]) in str(e.get("notes", ""))]
            else:
                return cw_invalid(f"Invalid condition: {clause}")
        return JSONResponse([{k: v for k, v in e.items() if k != "vendor"} for e in entries])

    # ── HaloPSA ──
    async def halo_token(self, request: Request) -> Response:
        form = await request.form()
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_secret") != "halo-secret"
            or form.get("scope") != "all"
        ):
            return JSONResponse({"error": "invalid_client"}, 401)
        self.state.tokens_issued += 1
        self.state.halo_tokens.add(f"tok{self.state.tokens_issued}")
        return JSONResponse(
            {
                "access_token": f"tok{self.state.tokens_issued}",
                "token_type": "Bearer",
                "expires_in": 3600,
            }
        )

    def expire_halo_tokens(self) -> None:
        """Tokens issued so far die early (a restart, a revoked app): callers get a 401."""
        self.state.halo_tokens.clear()

    def _halo_ok(self, request: Request) -> Response | None:
        """Only a live token from /auth/token is accepted; an expired one is a 401 (Halo API
        documentation, "Authorisation": client-credentials bearer tokens with expires_in)."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if (
            scheme != "Bearer"
            or token not in self.state.halo_tokens
            or self.state.halo_refuse_tokens
        ):
            return JSONResponse({"error": "unauthorized"}, 401)
        return self._injected()

    async def halo_outcome_list(self, request: Request) -> Response:
        """GET /api/Outcome: the tenant's action outcomes (HaloAPI Get-HaloOutcome.ps1 reads
        `api/outcome`; fields `id`, `outcome` as in the Halo OpenAPI Outcome model, e.g.
        Angelic-Software/angelic TOutcome.cs)."""
        if (bad := self._halo_ok(request)) is not None:
            return bad
        return JSONResponse(
            [
                {"id": oid, "outcome": name, "buttonname": name, "hidden": False}
                for oid, name in self.state.halo_outcomes.items()
            ]
        )

    async def halo_agent_list(self, request: Request) -> Response:
        """GET /api/Agent?search=…: an array of agents (id, name, email, isdisabled); `search`
        matches names, e-mail addresses and phone numbers (HaloAPI Get-HaloAgent.ps1,
        "Filter by name, email address or telephone number"), so a lookup must check the
        address itself. Disabled agents only with includedisabled."""
        if (bad := self._halo_ok(request)) is not None:
            return bad
        search = request.query_params.get("search", "").strip().lower()
        disabled = request.query_params.get("includedisabled", "").lower() == "true"
        return JSONResponse(
            [
                {"id": aid, **agent}
                for aid, agent in self.state.halo_agents.items()
                if (search in agent["name"].lower() or search in agent["email"].lower())
                and (disabled or not agent["isdisabled"])
            ]
        )

    async def halo_ticket(self, request: Request) -> Response:
        if (bad := self._halo_ok(request)) is not None:
            return bad
        t = self.state.tickets[request.path_params["tid"]]
        return JSONResponse(
            {
                "id": request.path_params["tid"],
                "summary": t["summary"],
                "details": t["description"],
                "client_name": t["company"],
                "user_name": t["contact"],
                "user_email": t.get("contact_email", ""),
                "status_id": 1,
            }
        )

    async def halo_actions(self, request: Request) -> Response:
        if (bad := self._halo_ok(request)) is not None:
            return bad
        if request.method == "GET":
            # GET /api/Actions?ticket_id=…&count=… → {"record_count", "actions"}, newest
            # first (HaloAPI module Get-HaloAction: TicketID → ticket_id, Count → count).
            tid = request.query_params.get("ticket_id", "")
            if not tid.isdigit():
                return JSONResponse({"ticket_id": "required"}, 400)
            mine = [a for a in self.state.actions if a["ticket_id"] == int(tid)][::-1]
            count = int(request.query_params.get("count", "50"))
            return JSONResponse({"record_count": len(mine), "actions": mine[:count]})
        body = await request.json()
        if not isinstance(body, list) or not {"ticket_id", "note", "outcome"} <= set(body[0]):
            return JSONResponse({"[0].ticket_id": "required"}, 400)
        # Halo's 400 bodies are keyed by the field ("[0].outcome"); an outcome name the
        # tenant does not have is refused, and outcome_id must name the same outcome.
        for i, action in enumerate(body):
            names = {n.lower(): oid for oid, n in self.state.halo_outcomes.items()}
            oid = names.get(str(action["outcome"]).lower())
            if oid is None or action.get("outcome_id", oid) != oid:
                return JSONResponse({f"[{i}].outcome": "Invalid outcome"}, 400)
            # timetaken is in hours (a decimal: 0.0085 for 30 seconds in a captured payload).
            if not isinstance(action.get("timetaken", 0), (int, float)):
                return JSONResponse({f"[{i}].timetaken": "must be a number of hours"}, 400)
            # who_agentid names the agent the action and its time belong to, actisbillable
            # whether the time is billed (Actions model of the Halo API, e.g.
            # Angelic-Software/angelic Actions.cs); an unknown or disabled agent is refused.
            if "who_agentid" in action:
                agent = self.state.halo_agents.get(action["who_agentid"])
                if not isinstance(action["who_agentid"], int) or agent is None:
                    return JSONResponse({f"[{i}].who_agentid": "Invalid agent"}, 400)
                if agent["isdisabled"]:
                    return JSONResponse({f"[{i}].who_agentid": "Agent is disabled"}, 400)
            if not isinstance(action.get("actisbillable", True), bool):
                return JSONResponse({f"[{i}].actisbillable": "must be true or false"}, 400)
        created = [{"id": 700 + len(self.state.actions), **a} for a in body]
        self.state.actions.extend(created)
        return JSONResponse(created, 201)

    async def halo_update_tickets(self, request: Request) -> Response:
        if (bad := self._halo_ok(request)) is not None:
            return bad
        body = await request.json()
        if not isinstance(body, list) or not {"id", "status_id"} <= set(body[0]):
            return JSONResponse({"[0].id": "required"}, 400)
        for t in body:
            self.state.status_changes.append(("halo", t["id"], t["status_id"]))
        return JSONResponse(body, 201)

    async def halo_kb(self, request: Request) -> Response:
        if (bad := self._halo_ok(request)) is not None:
            return bad
        body = await request.json()
        if not isinstance(body, list) or not {"name", "description"} <= set(body[0]):
            return JSONResponse({"[0].name": "required"}, 400)
        created = [{"id": 40 + len(self.state.articles), **a} for a in body]
        self.state.articles.extend(created)
        return JSONResponse(created, 201)

    # ── Hudu ──
    def _hudu_ok(self, request: Request) -> Response | None:
        if request.headers.get("x-api-key") != "hudu-key":
            return JSONResponse({"error": "Invalid API key"}, 401)
        return self._injected()

    async def hudu_info(self, request: Request) -> Response:
        if (bad := self._hudu_ok(request)) is not None:
            return bad
        return JSONResponse({"version": "2.34.1", "date": "2026-10-01"})

    async def hudu_article(self, request: Request) -> Response:
        if (bad := self._hudu_ok(request)) is not None:
            return bad
        article = (await request.json()).get("article") or {}
        if not article.get("name") or "content" not in article:
            return JSONResponse({"error": "name and content are required"}, 422)
        created = {"id": 300 + len(self.state.hudu_articles), "slug": "kb", **article}
        self.state.hudu_articles.append(created)
        return JSONResponse({"article": created})

    # ── IT Glue ──
    def _itglue_ok(self, request: Request) -> Response | None:
        key = request.headers.get("x-api-key")
        if not key:
            return itglue_error(401, "Unauthorized")
        if key != ITGLUE_KEY:
            return itglue_error(403, "Forbidden", "Invalid API key")
        return self._injected()

    async def itglue_organization(self, request: Request) -> Response:
        if (bad := self._itglue_ok(request)) is not None:
            return bad
        oid = request.path_params["oid"]
        if oid not in self.state.itglue_organizations:
            return itglue_error(404, "Not Found", "Record not found")
        attributes = {"name": self.state.itglue_organizations[oid], "organization-type-name": ""}
        return JSONResponse(
            {"data": {"id": str(oid), "type": "organizations", "attributes": attributes}},
            media_type=JSON_API,
        )

    async def itglue_asset_type(self, request: Request) -> Response:
        if (bad := self._itglue_ok(request)) is not None:
            return bad
        tid = request.path_params["tid"]
        found = self.state.itglue_asset_types.get(tid)
        if found is None:
            return itglue_error(404, "Not Found", "Record not found")
        fields = [
            {
                "id": f"{tid}{order}",
                "type": "flexible-asset-fields",
                "attributes": {
                    "flexible-asset-type-id": tid,
                    "order": order,
                    "name": key.title(),
                    "name-key": key,
                    "required": required,
                },
            }
            for order, (key, required) in enumerate(found["fields"].items(), 1)
        ]
        body: dict[str, Any] = {
            "data": {
                "id": str(tid),
                "type": "flexible-asset-types",
                "attributes": {"name": found["name"]},
                "relationships": {
                    "flexible-asset-fields": {
                        "data": [{"id": f["id"], "type": f["type"]} for f in fields]
                    }
                },
            }
        }
        if "flexible_asset_fields" in request.query_params.get("include", "").split(","):
            body["included"] = fields
        return JSONResponse(body, media_type=JSON_API)

    async def itglue_create_asset(self, request: Request) -> Response:
        if (bad := self._itglue_ok(request)) is not None:
            return bad
        if request.headers.get("content-type", "").split(";")[0].strip() != JSON_API:
            return itglue_error(415, "Unsupported Media Type")
        try:
            body = await request.json()
        except ValueError:
            return itglue_error(400, "Bad Request", "The body is not JSON")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict):
            return itglue_error(422, "Unprocessable Entity", "data must be a Hash", "/data")
        if data.get("type") not in ITGLUE_ASSET_TYPES:
            return itglue_error(
                422, "Unprocessable Entity", "must be flexible_assets", "/data/type"
            )
        attributes = data["attributes"]
        oid = attributes.get("organization-id", attributes.get("organization_id"))
        tid = attributes.get("flexible-asset-type-id", attributes.get("flexible_asset_type_id"))
        traits = attributes.get("traits")
        if oid not in self.state.itglue_organizations:
            return itglue_error(
                422, "Unprocessable Entity", ["can't be blank"], "/data/attributes/organization"
            )
        asset_type = self.state.itglue_asset_types.get(tid)  # type: ignore[arg-type]
        if asset_type is None:
            return itglue_error(
                422,
                "Unprocessable Entity",
                ["can't be blank"],
                "/data/attributes/flexible-asset-type",
            )
        if not isinstance(traits, dict) or set(traits) - set(asset_type["fields"]):
            return itglue_error(
                422,
                "Unprocessable Entity",
                "Request contains invalid trait keys",
                "data/attributes/traits",
            )
        for key, required in asset_type["fields"].items():
            if required and not str(traits.get(key) or "").strip():
                return itglue_error(
                    422,
                    "Unprocessable Entity",
                    ["can't be blank"],
                    f"/data/attributes/flexible-asset-traits.{key}",
                )
        asset_id = 5_000_000_000_000_000 + len(self.state.itglue_assets)
        created = {
            "organization-id": oid,
            "organization-name": self.state.itglue_organizations[oid],
            "flexible-asset-type-id": tid,
            "flexible-asset-type-name": asset_type["name"],
            # The type's first field is its title field (use-for-title) here.
            "name": str(traits.get(next(iter(asset_type["fields"]))) or ""),
            "traits": traits,
            "archived": False,
            "resource-url": f"https://acme.itglue.com/{oid}/assets/records/{asset_id}",
        }
        self.state.itglue_assets.append({"id": asset_id, **created})
        return JSONResponse(
            {"data": {"id": str(asset_id), "type": "flexible-assets", "attributes": created}},
            201,
            media_type=JSON_API,
        )

    # ── Autotask ──
    async def at_zone(self, request: Request) -> Response:
        if not request.query_params.get("user"):
            return JSONResponse({"errors": ["user is required"]}, 400)
        return JSONResponse(
            {
                "url": f"{self.url}/at/zone1/",
                "webUrl": "https://ww1.autotask.net",
                "zoneName": "Zone 1",
            }
        )

    def _at_ok(self, request: Request) -> Response | None:
        """Every call but the zone lookup needs the three headers; a wrong secret is a 401
        (Autotask REST API, "Authentication": ApiIntegrationCode, UserName, Secret)."""
        h = request.headers
        if not (
            h.get("apiintegrationcode") and h.get("username") and h.get("secret") == "at-secret"
        ):
            return JSONResponse({"errors": ["Unauthorized"]}, 401)
        self.state.autotask_requests += 1
        writes = request.method in ("POST", "PATCH", "PUT") and not request.url.path.endswith(
            "/query"
        )
        if self.state.autotask_read_only and writes:
            # Missing permissions are a 403 with this text (django-autotask api_rest.py,
            # FORBIDDEN_ERROR_MESSAGE and AutotaskSecurityPermissionsException).
            return JSONResponse(
                {
                    "errors": [
                        "The logged in Resource does not have the adequate permissions to "
                        "create this entity type."
                    ]
                },
                403,
            )
        return self._injected()

    async def at_threshold(self, request: Request) -> Response:
        """Usage against the hourly request limit (Autotask REST API, ThresholdInformation;
        shape from the REST swagger's ThresholdStatusResultModel, as in
        aenichols/ATREST-CSharp-Client docs/ThresholdStatusResultModel.md). The limit is
        10,000 requests an hour per database."""
        if (bad := self._at_ok(request)) is not None:
            return bad
        return JSONResponse(
            {
                "externalRequestThreshold": 10_000,
                "requestThresholdTimeframe": 60,
                "currentTimeframeRequestCount": self.state.autotask_requests,
            }
        )

    async def at_ticket(self, request: Request) -> Response:
        if (bad := self._at_ok(request)) is not None:
            return bad
        t = self.state.tickets.get(request.path_params["tid"])
        if t is None:
            # A missing entity is 200 with {"item": null}, not a 404 (Autotask REST API,
            # "Making basic query calls": a GET by id answers `item`; django-autotask
            # api_rest.py treats a null item as "not found").
            return JSONResponse({"item": None})
        return JSONResponse(
            {
                "item": {
                    "id": request.path_params["tid"],
                    "title": t["summary"],
                    "description": t["description"],
                    "companyID": 11,
                    "contactID": 22,
                    "status": 1,
                }
            }
        )

    async def at_update_ticket(self, request: Request) -> Response:
        if (bad := self._at_ok(request)) is not None:
            return bad
        body = await request.json()
        if not isinstance(body.get("id"), int) or "status" not in body:
            return at_refused("id and status are required")
        if body["id"] not in self.state.tickets:
            return at_refused(f"Ticket {body['id']} not found")
        # Ticket.resolution: text, at most 32,000 characters (Autotask REST API, "Tickets"
        # entity; TicketModel.Resolution in aenichols/ATREST-CSharp-Client).
        if "resolution" in body:
            if not isinstance(body["resolution"], str) or len(body["resolution"]) > 32_000:
                return at_refused("resolution: text of at most 32000 characters expected")
            self.state.tickets[body["id"]]["resolution"] = body["resolution"]
        self.state.status_changes.append(("autotask", body["id"], body["status"]))
        return JSONResponse({"itemId": body["id"]})

    async def at_note(self, request: Request) -> Response:
        if (bad := self._at_ok(request)) is not None:
            return bad
        body = await request.json()
        # Required fields of a TicketNote (Autotask REST API, "TicketNotes" entity: ticketID,
        # title, description, noteType, publish). Validation errors are HTTP 500 with
        # {"errors": [...]} (Autotask REST API, "HTTP status codes"; django-autotask
        # api_rest.py handles 500 as the API's error answer).
        missing = [f for f in ("title", "description", "noteType", "publish") if f not in body]
        if body.get("ticketID") != request.path_params["tid"]:
            missing.append("ticketID")
        if missing:
            return at_refused(f"Required field(s) missing or invalid: {', '.join(missing)}")
        # TicketNotes.description holds at most 32,000 characters (Autotask REST API,
        # "TicketNotes" entity field lengths).
        if len(str(body["description"])) > 32_000:
            return at_refused("description: value exceeds the maximum length of 32000")
        # ImpersonationResourceId writes the note as that resource (Autotask REST API,
        # "Authentication": optional header); an id that is not an active resource is
        # refused with HTTP 500 (reported for a wrong id in public integrations).
        impersonated = request.headers.get("impersonationresourceid")
        if impersonated is not None:
            resource = self.state.autotask_resources.get(
                int(impersonated) if impersonated.isdigit() else -1
            )
            if resource is None or not resource["isActive"]:
                return at_refused(f"Impersonation resource {impersonated} is not valid")
        item_id = 30_000_000 + len(self.state.notes)
        self.state.notes.append(
            {
                "vendor": "autotask",
                "itemId": item_id,
                "impersonation": int(impersonated) if impersonated else None,
                **body,
            }
        )
        return JSONResponse({"itemId": item_id})

    async def at_resource_query(self, request: Request) -> Response:
        """POST /V1.0/Resources/query {"filter": [{"op", "field", "value"}]} → {items,
        pageDetails} (Autotask REST API, "Basic query calls"; ResourceModel fields: id,
        email, firstName, lastName, isActive, userName, defaultServiceDeskRoleID as in
        aenichols/ATREST-CSharp-Client docs/ResourceModel.md). String comparisons ignore
        case; an unknown field or operator is refused like other invalid input."""
        if (bad := self._at_ok(request)) is not None:
            return bad
        body = await request.json()
        conditions = body.get("filter") if isinstance(body, dict) else None
        if not isinstance(conditions, list) or not conditions:
            return at_refused("filter is required")
        items = [
            {"id": rid, **{k: v for k, v in r.items() if k != "roles"}}
            for rid, r in self.state.autotask_resources.items()
        ]
        for condition in conditions:
            if not isinstance(condition, dict) or condition.get("op") not in AT_QUERY_OPS:
                return at_refused(f"Invalid filter operator in {condition!r}")
            if condition.get("field") not in AT_RESOURCE_FIELDS:
                return at_refused(
                    f"Unable to find {condition.get('field')} in the Resource entity."
                )
            if condition["op"] != "eq":
                return at_refused(f"The fake only answers eq filters, not {condition['op']}")
            want = condition.get("value")
            items = [i for i in items if str(i[condition["field"]]).lower() == str(want).lower()]
        page = {"count": len(items), "requestCount": 500, "prevPageUrl": None, "nextPageUrl": None}
        return JSONResponse({"items": items, "pageDetails": page})

    async def at_time_entry(self, request: Request) -> Response:
        """POST /V1.0/TimeEntries → {"itemId"}. A ticket's time entry needs ticketID,
        resourceID and roleID (integers), dateWorked, startDateTime and endDateTime ("tickets
        are required to have start and end times", django-autotask models.py TimeEntry),
        hoursWorked (> 0 and <= 24, Autotask REST API "TimeEntries" conditions) and
        summaryNotes (TimeEntryModel fields as in aenichols/ATREST-CSharp-Client
        docs/TimeEntryModel.md). The resource must be active and hold the role;
        billingCodeID names a work type. Refusals are HTTP 500 {"errors": [...]}."""
        if (bad := self._at_ok(request)) is not None:
            return bad
        body = await request.json()
        ints = ("ticketID", "resourceID", "roleID")
        texts = ("dateWorked", "startDateTime", "endDateTime", "summaryNotes")
        missing = [f for f in (*ints, *texts, "hoursWorked") if body.get(f) in (None, "")]
        if missing:
            return at_refused(f"Required field(s) missing: {', '.join(missing)}")
        wrong = [f for f in ints if not isinstance(body[f], int) or isinstance(body[f], bool)]
        wrong += [f for f in texts if not isinstance(body[f], str)]
        hours = body["hoursWorked"]
        if not isinstance(hours, (int, float)) or isinstance(hours, bool):
            wrong.append("hoursWorked")
        if "isNonBillable" in body and not isinstance(body["isNonBillable"], bool):
            wrong.append("isNonBillable")
        if "billingCodeID" in body and not isinstance(body["billingCodeID"], int):
            wrong.append("billingCodeID")
        if wrong:
            return at_refused(f"Invalid value type for field(s): {', '.join(wrong)}")
        try:
            start = datetime.fromisoformat(body["startDateTime"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(body["endDateTime"].replace("Z", "+00:00"))
            datetime.fromisoformat(body["dateWorked"].replace("Z", "+00:00"))
        except ValueError:
            return at_refused("dateWorked, startDateTime and endDateTime must be date-times")
        if end <= start:
            return at_refused("endDateTime must be after startDateTime")
        if not 0 < hours <= 24:
            return at_refused("hoursWorked must be greater than 0 and at most 24")
        if body["ticketID"] not in self.state.tickets:
            return at_refused(f"Ticket {body['ticketID']} not found")
        resource = self.state.autotask_resources.get(body["resourceID"])
        if resource is None or not resource["isActive"]:
            return at_refused(f"Resource {body['resourceID']} is not an active resource")
        if body["roleID"] not in resource["roles"]:
            return at_refused(
                f"Role {body['roleID']} is not assigned to resource {body['resourceID']}"
            )
        if (
            "billingCodeID" in body
            and body["billingCodeID"] not in self.state.autotask_billing_codes
        ):
            return at_refused(f"Billing code {body['billingCodeID']} not found")
        item_id = 40_000_000 + len(self.state.time_entries)
        self.state.time_entries.append({"vendor": "autotask", "itemId": item_id, **body})
        return JSONResponse({"itemId": item_id})

    async def _at_query(self, request: Request, rows: list[dict[str, Any]]) -> Response:
        """POST /{Entity}/query {"filter": [...], "MaxRecords": n}: top-level items are
        ANDed; `eq` and `contains` on a field (Autotask REST API, "Basic query calls").
        Answers {"items": [...], "pageDetails": {...}}; a filter it cannot read is a 500
        with errors, like the API's."""
        if (bad := self._at_ok(request)) is not None:
            return bad
        body = await request.json()
        items = body.get("filter") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return at_refused("A query needs a filter")
        for item in items:
            op, name, value = item.get("op"), item.get("field"), item.get("value")
            if op == "eq":
                rows = [r for r in rows if r.get(name) == value]
            elif op == "contains" and isinstance(value, str):
                rows = [r for r in rows if value in str(r.get(name, ""))]
            else:
                return at_refused(f"Unsupported filter: {item!r}")
        rows = rows[: int(body.get("MaxRecords", 500))]
        found = [{"id": r["itemId"], **{k: v for k, v in r.items() if k != "vendor"}} for r in rows]
        return JSONResponse({"items": found, "pageDetails": {"count": len(found)}})

    async def at_notes_query(self, request: Request) -> Response:
        notes = [n for n in self.state.notes if n["vendor"] == "autotask"]
        return await self._at_query(request, notes)

    async def at_time_query(self, request: Request) -> Response:
        entries = [e for e in self.state.time_entries if e["vendor"] == "autotask"]
        return await self._at_query(request, entries)

    async def at_company(self, request: Request) -> Response:
        if (bad := self._at_ok(request)) is not None:
            return bad
        name = next(iter(self.state.tickets.values()), {}).get("company", "")
        return JSONResponse({"item": {"id": request.path_params["cid"], "companyName": name}})

    async def at_contact(self, request: Request) -> Response:
        if (bad := self._at_ok(request)) is not None:
            return bad
        t = next(iter(self.state.tickets.values()), {})
        first, _, last = t.get("contact", "").partition(" ")
        return JSONResponse(
            {
                "item": {
                    "id": request.path_params["cid"],
                    "firstName": first,
                    "lastName": last,
                    "emailAddress": t.get("contact_email", ""),
                }
            }
        )

    async def at_top_level_notes(self, request: Request) -> Response:
        return Response(status_code=404)

    # ── Ticket search (the picker) ──
    # Tickets in `state.tickets` may also carry "closed" (bool), "status" (a name from
    # SEARCH_STATUSES) and "updated" (ISO time of the last activity).

    def search_routes(self) -> list[Route]:
        routes = [
            Route(f"{prefix}/service/tickets", self.cw_ticket_list)
            for prefix in ("/cw/apis/3.0", f"/cw/{CW_CODEBASE}apis/3.0")
        ]
        routes += [
            Route(f"{prefix}/service/tickets/count", self.cw_ticket_count)
            for prefix in ("/cw/apis/3.0", f"/cw/{CW_CODEBASE}apis/3.0")
        ]
        return routes + [
            Route("/halo/api/Tickets", self.halo_ticket_list, methods=["GET"]),
            Route("/halo/api/Status", self.halo_status_list),
            Route("/at/zone1/V1.0/Tickets/query", self.at_ticket_query, methods=["POST"]),
            Route("/at/zone1/V1.0/Tickets/query/next", self.at_ticket_next, methods=["POST"]),
            Route("/at/zone1/V1.0/Tickets/entityInformation/fields", self.at_ticket_fields),
            Route("/at/zone1/V1.0/Companies/query", self.at_company_query, methods=["POST"]),
        ]

    def _search_view(self, tid: int) -> dict[str, Any]:
        t = self.state.tickets[tid]
        return {
            "id": tid,
            "summary": t["summary"],
            "company": t["company"],
            "closed": bool(t.get("closed")),
            "status": "Closed" if t.get("closed") else t.get("status", "New"),
            "updated": t.get("updated", "2026-11-20T09:00:00Z"),
        }

    # ConnectWise: GET /service/tickets and /service/tickets/count (developer guide,
    # "Pagination" and "Conditions": page from 1, pageSize at most 1000, conditions like
    # `closedFlag=false and (summary contains "vpn" or company/name contains "vpn")`, string
    # values quoted; `orderBy=field asc|desc`; `fields` picks the fields answered, as the
    # ConnectWiseManageAPI PowerShell module's -fields does). `lastUpdated` is a ticket
    # condition field (KerkhoffTechnologies/django-connectwise sync.py: "lastUpdated>[…]").
    CW_LIST_PARAMS = {"conditions", "orderBy", "page", "pageSize", "fields"}

    def cw_ticket_rows(self, request: Request) -> list[dict[str, Any]] | Response:
        q = request.query_params
        allowed = self.CW_LIST_PARAMS if request.url.path.endswith("/tickets") else {"conditions"}
        unknown = sorted(set(q) - allowed)
        if unknown:
            return cw_invalid(f"Unknown query parameter(s): {', '.join(unknown)}")
        test = cw_condition(q.get("conditions", ""))
        if isinstance(test, str):
            return cw_invalid(f"Invalid conditions: {test}")
        return [
            cw_search_row(v) for v in map(self._search_view, sorted(self.state.tickets)) if test(v)
        ]

    async def cw_ticket_list(self, request: Request) -> Response:
        if (bad := self._cw_ok(request)) is not None:
            return bad
        rows = self.cw_ticket_rows(request)
        if isinstance(rows, Response):
            return rows
        q = request.query_params
        order = q.get("orderBy", "").strip()
        if order:
            by = re.fullmatch(r"(id|lastUpdated)(?:\s+(asc|desc))?", order, re.IGNORECASE)
            if not by:
                return cw_invalid(f"Invalid orderBy: {order}")

            def key(r: dict[str, Any]) -> Any:
                return r["id"] if by[1].lower() == "id" else r["_info"]["lastUpdated"]

            rows.sort(key=key, reverse=(by[2] or "").lower() == "desc")
        try:
            size, page = int(q.get("pageSize", "25")), int(q.get("page", "1"))
        except ValueError:
            return cw_invalid("page and pageSize must be numbers")
        if not (1 <= size <= 1000 and page >= 1):
            return cw_invalid("pageSize must be 1 to 1000 and page at least 1")
        rows = rows[(page - 1) * size : page * size]
        if "fields" in q:
            wanted = [f.strip() for f in q["fields"].split(",")]
            if not wanted or any(f not in CW_SEARCH_ROW_FIELDS for f in wanted):
                return cw_invalid(f"Invalid fields: {q['fields']}")
            rows = [{k: r[k] for k in wanted} for r in rows]
        return JSONResponse(rows)

    async def cw_ticket_count(self, request: Request) -> Response:
        if (bad := self._cw_ok(request)) is not None:
            return bad
        rows = self.cw_ticket_rows(request)
        if isinstance(rows, Response):
            return rows
        return JSONResponse({"count": len(rows)})

    # HaloPSA: GET /api/Tickets (HaloAPI Get-HaloTicket.ps1 / New-HaloQuery.ps1: `search`,
    # `open_only`, and paging as `pageinate=true`, `page_no`, `page_size`; New-HaloGETRequest
    # reads `record_count` and the `tickets` key). Without pageinate=true Halo ignores the
    # paging parameters (New-HaloGETRequest drops page_size then) and lists everything.
    # *Unconfirmed*: that `search` matches the ticket number as well as the summary and the
    # client's name (it is documented only as "matching the search term").
    HALO_LIST_PARAMS = {"search", "open_only", "closed_only", "pageinate", "page_no", "page_size"}

    async def halo_ticket_list(self, request: Request) -> Response:
        if (bad := self._halo_ok(request)) is not None:
            return bad
        q = request.query_params
        unknown = sorted(set(q) - self.HALO_LIST_PARAMS)
        if unknown:
            return JSONResponse({name: "Unknown parameter" for name in unknown}, 400)
        views = [self._search_view(tid) for tid in sorted(self.state.tickets)]
        if q.get("open_only", "").lower() == "true":
            views = [v for v in views if not v["closed"]]
        search = q.get("search", "").strip().lower()
        if search:
            views = [
                v
                for v in views
                if search in v["summary"].lower()
                or search in v["company"].lower()
                or search == str(v["id"])
            ]
        answer: dict[str, Any] = {"record_count": len(views)}
        if q.get("pageinate", "").lower() == "true":
            try:
                size, page = int(q.get("page_size", "50")), int(q.get("page_no", "1"))
            except ValueError:
                return JSONResponse({"page_size": "must be a number"}, 400)
            if size < 1 or page < 1:
                return JSONResponse({"page_no": "must be at least 1"}, 400)
            views = views[(page - 1) * size : page * size]
            answer.update(page_no=page, page_size=size)
        answer["tickets"] = [
            {
                "id": v["id"],
                "summary": v["summary"],
                "client_id": halo_client_id(v["company"]),
                "client_name": v["company"],
                "status_id": HALO_STATUS_IDS[v["status"]],
                "lastactiondate": v["updated"].removesuffix("Z"),
                "dateoccurred": "2026-11-01T08:00:00",
            }
            for v in views
        ]
        return JSONResponse(answer)

    async def halo_status_list(self, request: Request) -> Response:
        """GET /api/Status (HaloAPI Get-HaloStatus.ps1 reads `api/status`): id and name."""
        if (bad := self._halo_ok(request)) is not None:
            return bad
        return JSONResponse([{"id": sid, "name": n} for n, sid in HALO_STATUS_IDS.items()])

    # Autotask: POST /V1.0/Tickets/query {"filter", "MaxRecords", "IncludeFields"} → {items,
    # pageDetails} (Autotask REST API "Basic query calls": filters nest with "and"/"or" and
    # `items`; MaxRecords 1-500; field names are not case sensitive, apigrate/autotask-restapi
    # README). Paging is by cursor: pageDetails.nextPageUrl (…/Tickets/query/next?paging=…)
    # is POSTed with the same body (msoukhomlinov/n8n-nodes-autotask get-many.ts); a GET is
    # a 405. Refusals are HTTP 500 {"errors": [...]}.
    AT_TICKET_FIELDS = ("id", "ticketNumber", "title", "status", "companyID", "lastActivityDate")

    def at_companies(self) -> dict[int, str]:
        """Companies behind the tickets' names (ids stable per name)."""
        names = sorted({t["company"] for t in self.state.tickets.values()})
        return {AT_COMPANY_BASE + i: name for i, name in enumerate(names)}

    def at_ticket_items(self) -> list[dict[str, Any]]:
        companies = {name: cid for cid, name in self.at_companies().items()}
        return [
            {
                "id": v["id"],
                "ticketNumber": f"T20261120.{v['id']:04d}",
                "title": v["summary"],
                "status": AT_STATUSES[v["status"]],
                "companyID": companies[v["company"]],
                "lastActivityDate": v["updated"],
                "userDefinedFields": [],
            }
            for v in map(self._search_view, sorted(self.state.tickets))
        ]

    def at_page(
        self, body: Any, items: list[dict[str, Any]], fields: tuple[str, ...], offset: int = 0
    ) -> Response:
        """One page of a query's matches; a nextPageUrl when more follow."""
        if not isinstance(body, dict):
            return at_refused("A query body is required")
        keys = {k.lower(): k for k in body}
        unknown = set(keys) - {"filter", "maxrecords", "includefields"}
        if unknown:
            return at_refused(f"Unknown query property: {', '.join(sorted(unknown))}")
        conditions = body.get(keys.get("filter", "filter"))
        if not isinstance(conditions, list) or not conditions:
            return at_refused("filter is required")
        size = body.get(keys.get("maxrecords", ""), 500)
        if not isinstance(size, int) or not 1 <= size <= 500:
            return at_refused("MaxRecords must be between 1 and 500")
        include = body.get(keys.get("includefields", ""), [])
        by_lower = {f.lower(): f for f in fields}
        if not isinstance(include, list) or any(
            not isinstance(f, str) or f.lower() not in by_lower for f in include
        ):
            return at_refused(f"IncludeFields names an unknown field: {include!r}")
        for condition in conditions:
            refused = at_filter_refused(condition, by_lower)
            if refused:
                return at_refused(refused)
        matches = [i for i in items if all(at_matches(c, i, by_lower) for c in conditions)]
        page = matches[offset : offset + size]
        if include:
            keep = {"id", *(by_lower[f.lower()] for f in include)}
            page = [{k: v for k, v in i.items() if k in keep} for i in page]
        after = offset + size
        next_url = None
        if after < len(matches):
            paging = json.dumps({"pageSize": size, "offset": after})
            search = json.dumps({"filter": conditions}, sort_keys=True)
            next_url = (
                f"{self.url}/at/zone1/V1.0/{'Tickets' if 'title' in by_lower else 'Companies'}"
                f"/query/next?paging={quote(paging)}&search={quote(search)}"
            )
        return JSONResponse(
            {
                "items": page,
                "pageDetails": {
                    "count": len(page),
                    "requestCount": size,
                    "prevPageUrl": None,
                    "nextPageUrl": next_url,
                },
            }
        )

    async def at_ticket_query(self, request: Request) -> Response:
        if (bad := self._at_ok(request)) is not None:
            return bad
        return self.at_page(await request.json(), self.at_ticket_items(), self.AT_TICKET_FIELDS)

    async def at_ticket_next(self, request: Request) -> Response:
        """The next page: the body must repeat the query the nextPageUrl was made for."""
        if (bad := self._at_ok(request)) is not None:
            return bad
        try:
            paging = json.loads(request.query_params["paging"])
            search = json.loads(request.query_params["search"])
            offset = int(paging["offset"])
        except (KeyError, ValueError, TypeError):
            return at_refused("Invalid paging")
        body = await request.json()
        filters = body.get("filter") if isinstance(body, dict) else None
        if json.dumps({"filter": filters}, sort_keys=True) != json.dumps(search, sort_keys=True):
            return at_refused("The next page must be asked for with the same query")
        items = self.at_ticket_items()
        return self.at_page(body, items, self.AT_TICKET_FIELDS, offset=offset)

    async def at_company_query(self, request: Request) -> Response:
        """POST /V1.0/Companies/query (CompanyModel fields id, companyName as in the
        apigrate/autotask-restapi README's example answer)."""
        if (bad := self._at_ok(request)) is not None:
            return bad
        items = [
            {"id": cid, "companyName": name, "isActive": True, "userDefinedFields": []}
            for cid, name in self.at_companies().items()
        ]
        return self.at_page(await request.json(), items, ("id", "companyName", "isActive"))

    async def at_ticket_fields(self, request: Request) -> Response:
        """GET /V1.0/Tickets/entityInformation/fields: each field with its picklistValues
        (value as a string, label, isActive; msoukhomlinov/n8n-nodes-autotask
        types/base/picklists.ts). Complete is status 5."""
        if (bad := self._at_ok(request)) is not None:
            return bad
        statuses = [
            {
                "value": str(value),
                "label": label,
                "isDefaultValue": value == 1,
                "sortOrder": value,
                "isActive": True,
                "isSystem": True,
            }
            for label, value in AT_STATUSES.items()
        ]
        return JSONResponse(
            {
                "fields": [
                    {"name": "id", "dataType": "long", "isPickList": False},
                    {"name": "title", "dataType": "string", "isPickList": False},
                    {
                        "name": "status",
                        "dataType": "integer",
                        "isPickList": True,
                        "picklistValues": statuses,
                    },
                ]
            }
        )


# ── Ticket search (the picker): shapes ──

SEARCH_STATUSES = ("New", "In Progress", "Waiting Customer", "Closed")
HALO_STATUS_IDS = {"New": 1, "In Progress": 2, "Waiting Customer": 3, "Closed": 9}
AT_STATUSES = {"New": 1, "Closed": 5, "Waiting Customer": 7, "In Progress": 8}
AT_COMPANY_BASE = 29_683_000
CW_SEARCH_ROW_FIELDS = {"id", "summary", "company", "status", "closedFlag", "_info", "board"}
# The condition fields the fake understands on /service/tickets, and their kind.
CW_CONDITION_FIELDS = {
    "id": "number",
    "summary": "text",
    "company/name": "text",
    "status/name": "text",
    "closedflag": "boolean",
}
CW_TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|!=|=|[A-Za-z_][\w/]*|-?\d+)')


def halo_client_id(name: str) -> int:
    return 10 + sum(map(ord, name)) % 1000


def cw_search_row(v: dict[str, Any]) -> dict[str, Any]:
    status_id = {"New": 1, "In Progress": 2, "Waiting Customer": 3, "Closed": 565}[v["status"]]
    return {
        "id": v["id"],
        "summary": v["summary"],
        "board": {"id": 1, "name": CW_BOARDS[1]["name"]},
        "company": {"id": halo_client_id(v["company"]), "identifier": "C", "name": v["company"]},
        "status": {"id": status_id, "name": v["status"]},
        "closedFlag": v["closed"],
        "_info": {"lastUpdated": v["updated"], "dateEntered": "2026-11-01T08:00:00Z"},
    }


def cw_condition(text: str) -> Any:
    """A predicate over a ticket view for a `conditions` string, or the reason it is
    invalid: clauses `field op value` (=, !=, contains) joined by and/or (and binds first)
    with parentheses."""
    tokens: list[str] = []
    at = 0
    while at < len(text.rstrip()):
        match = CW_TOKEN.match(text, at)
        if not match:
            return f"unexpected text at {text[at:]!r}"
        tokens.append(match[1])
        at = match.end()
    if not tokens:
        return lambda v: True
    pos = 0

    def peek() -> str:
        return tokens[pos].lower() if pos < len(tokens) else ""

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("the condition ends too early")
        pos += 1
        return tokens[pos - 1]

    def either() -> Any:
        parts = [both()]
        while peek() == "or":
            take()
            parts.append(both())
        return lambda v: any(p(v) for p in parts)

    def both() -> Any:
        parts = [clause()]
        while peek() == "and":
            take()
            parts.append(clause())
        return lambda v: all(p(v) for p in parts)

    def clause() -> Any:
        if peek() == "(":
            take()
            inner = either()
            if take() != ")":
                raise ValueError("unbalanced parentheses")
            return inner
        name, op, raw = take(), take().lower(), take()
        kind = CW_CONDITION_FIELDS.get(name.lower())
        if kind is None:
            raise ValueError(f"unknown field {name}")
        if op not in ("=", "!=", "contains") or (op == "contains" and kind != "text"):
            raise ValueError(f"operator {op} does not apply to {name}")
        if kind == "text":
            if not raw.startswith('"'):
                raise ValueError(f"{name} takes a quoted string")
            want: Any = re.sub(r"\\(.)", r"\1", raw[1:-1]).lower()
        elif kind == "number":
            if not re.fullmatch(r"-?\d+", raw):
                raise ValueError(f"{name} takes a number")
            want = int(raw)
        else:
            if raw.lower() not in ("true", "false"):
                raise ValueError(f"{name} takes true or false")
            want = raw.lower() == "true"
        key = {"company/name": "company", "status/name": "status", "closedflag": "closed"}.get(
            name.lower(), name.lower()
        )

        def test(v: dict[str, Any]) -> bool:
            have = v[key].lower() if kind == "text" else v[key]
            if op == "contains":
                return bool(want in have)
            return bool((have == want) == (op == "="))

        return test

    try:
        found = either()
        if pos != len(tokens):
            return f"unexpected {tokens[pos]!r}"
    except ValueError as exc:
        return str(exc)
    return found


def at_filter_refused(condition: Any, fields: dict[str, str]) -> str | None:
    """Why Autotask would refuse this filter condition (None: it is valid)."""
    if not isinstance(condition, dict):
        return f"Invalid filter {condition!r}"
    op = condition.get("op")
    if op in ("and", "or"):
        items = condition.get("items")
        if not isinstance(items, list) or not items:
            return f"A grouping '{op}' needs items"
        return next((r for c in items if (r := at_filter_refused(c, fields))), None)
    if op not in AT_QUERY_OPS:
        return f"Invalid filter operator {op!r}"
    if str(condition.get("field", "")).lower() not in fields:
        return f"Unable to find {condition.get('field')} in the entity."
    if op in ("in", "notIn") and not isinstance(condition.get("value"), list):
        return f"'{op}' needs a list of values"
    if op not in ("eq", "noteq", "contains", "in"):
        return f"The fake answers eq, noteq, contains and in, not {op}"
    return None


def at_matches(condition: dict[str, Any], item: dict[str, Any], fields: dict[str, str]) -> bool:
    op = condition["op"]
    if op == "and":
        return all(at_matches(c, item, fields) for c in condition["items"])
    if op == "or":
        return any(at_matches(c, item, fields) for c in condition["items"])
    have, want = item[fields[condition["field"].lower()]], condition.get("value")
    if op == "in":
        return have in want
    if op == "contains":
        return str(want).lower() in str(have).lower()
    same = str(have).lower() == str(want).lower()
    return same if op == "eq" else not same
