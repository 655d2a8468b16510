"""An LTI 1.3 platform (an LMS, as the tool sees one) on loopback, for the tests of platform/lti.

Written here with PyJWT and cryptography only, on purpose NOT on pylti1p3 (which the tool uses): a bug shared
by both sides of a test would pass unseen. It serves, from a threaded http.server on 127.0.0.1:

    GET  /jwks                       the platform's public keys (RS256)
    GET  /auth                       OIDC authentication: answers the tool's login redirect with an HTML form
                                     that POSTs the signed id_token and the state to the tool's redirect_uri
    POST /token                      OAuth2 client_credentials: verifies the tool's signed JWT assertion
                                     against the tool's own JWKS URL, then hands out a bearer token
    GET  /nrps/<context>             Names and Role Provisioning: the context's members
    GET  /lineitems/<context>        AGS line items of a context; POST creates one
    POST /lineitems/<context>/<n>/scores   AGS scores: recorded as received (the raw body too)
    GET  /course/<hint>              a course page that frames the tool's login URL (the browser test)
    POST /deep-link-return           where a deep-linking response lands: recorded

A test prepares the message it wants launched (``platform.prepare(claims)``), starts the login at the tool
with the parameters it gets back, and follows what the tool answers. Every request the tool makes is
recorded in ``platform.requests``.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import urlopen

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTRUCTOR = MEMBERSHIP + "Instructor"
LEARNER = MEMBERSHIP + "Learner"
TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


class SigningKey:
    """An RSA key pair with a key id, as a platform publishes it."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.public_pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "use": "sig",
            "n": _b64uint(numbers.n),
            "e": _b64uint(numbers.e),
        }


def _b64uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64json(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Member:
    user_id: str
    roles: list[str]
    name: str = ""
    email: str = ""
    status: str = "Active"


@dataclass
class LmsPlatform:
    """The platform's state: its keys, the tool's registration, what it was sent."""

    client_id: str = "gradient-tool-client"
    deployment_id: str = "deployment-1"
    tool_jwks_url: str = ""  # set once the tool is up (its /lti/jwks/)
    tool_login_url: str = ""
    tool_launch_url: str = ""
    base_url: str = ""
    key: SigningKey = field(default_factory=lambda: SigningKey("platform-key-1"))
    requests: list[Recorded] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)  # {"lineitem", "body", "raw"}
    line_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # context id -> its line items
    members: dict[str, list[Member]] = field(default_factory=dict)  # context id -> its members
    deep_link_returns: list[str] = field(default_factory=list)  # the JWTs the tool posted back
    tokens: set[str] = field(default_factory=set)
    token_refusals: list[str] = field(default_factory=list)
    _pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # login_hint -> claims to launch
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Another issuer than the platform's own address: a second registration of one LMS (Canvas cloud signs
    # every school's launches with https://canvas.instructure.com), with a client id and keys of its own.
    issuer_url: str = ""

    @property
    def issuer(self) -> str:
        return self.issuer_url or self.base_url

    # ------------------------------------------------------------------ what a test calls

    def message(
        self,
        *,
        sub: str,
        roles: list[str],
        context_id: str = "course-101",
        resource_link_id: str | None = "link-1",
        message_type: str = "LtiResourceLinkRequest",
        with_ags: bool = True,
        with_nrps: bool = True,
        lineitem: str | None = None,
        custom: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The claims of a launch message (without iss/aud/nonce/iat/exp, which the auth step adds)."""
        claims: dict[str, Any] = {
            "sub": sub,
            "name": f"Person {sub}",
            "given_name": "Person",
            "family_name": sub,
            "email": f"{sub}@lms.example",
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": self.tool_launch_url,
            LTI + "roles": roles,
            LTI + "context": {"id": context_id, "label": "AI-101", "title": "AI Engineering 101",
                              "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]},
            LTI + "launch_presentation": {"document_target": "iframe",
                                          "return_url": f"{self.base_url}/course/return"},
            LTI + "tool_platform": {"guid": "test-lms-guid", "name": "Test LMS", "product_family_code": "test"},
        }
        if resource_link_id is not None:
            claims[LTI + "resource_link"] = {"id": resource_link_id, "title": "Word frequencies"}
        if with_ags:
            ags: dict[str, Any] = {"scope": AGS_SCOPES, "lineitems": f"{self.base_url}/lineitems/{context_id}"}
            if lineitem:
                ags["lineitem"] = lineitem
            claims[AGS] = ags
        if with_nrps:
            claims[NRPS] = {"context_memberships_url": f"{self.base_url}/nrps/{context_id}",
                            "service_versions": ["2.0"]}
        if message_type == "LtiDeepLinkingRequest":
            claims[DL] = {
                "deep_link_return_url": f"{self.base_url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False,
                "data": "opaque-platform-data",
            }
        if custom:
            claims[LTI + "custom"] = custom
        claims.update(extra or {})
        return claims

    def prepare(self, claims: dict[str, Any], *, tamper: dict[str, Any] | None = None) -> dict[str, str]:
        """Remember ``claims`` for the next login with a fresh hint; returns the login initiation's parameters
        (what an LMS sends to the tool's OIDC login URL). ``tamper``: how the auth step should sign it instead
        (``key``, ``alg``, ``kid``, ``claims`` merged over the finished token, ``drop``: claims to leave
        out, ``expired``)."""
        hint = secrets.token_hex(8)
        with self.lock:
            self._pending[hint] = {"claims": claims, "tamper": tamper or {}}
        return {
            "iss": self.issuer,
            "login_hint": hint,
            "target_link_uri": self.tool_launch_url,
            "lti_message_hint": f"message-{hint}",
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def id_token(self, claims: dict[str, Any], *, nonce: str, tamper: dict[str, Any] | None = None) -> str:
        tamper = tamper or {}
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "iat": now - 60 if tamper.get("expired") else now,
            "exp": now - 30 if tamper.get("expired") else now + 300,
            "nonce": nonce,
            **claims,
            **tamper.get("claims", {}),
        }
        for name in tamper.get("drop", ()):
            body.pop(name, None)
        alg = tamper.get("alg", "RS256")
        kid = tamper.get("kid", self.key.kid)
        if alg == "none":  # an unsigned token, as PyJWT no longer writes one
            return f"{_b64json({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64json(body)}."
        if alg == "HS256":
            # Algorithm confusion: HMAC "signed" with the platform's PUBLIC key as the secret, which an attacker
            # knows. PyJWT refuses to sign with a PEM key, so the token is put together by hand.
            header = _b64json({"alg": "HS256", "typ": "JWT", "kid": kid})
            signing_input = f"{header}.{_b64json(body)}".encode()
            import hashlib
            import hmac

            signature = hmac.new(self.key.public_pem, signing_input, hashlib.sha256).digest()
            return f"{signing_input.decode()}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
        key: SigningKey = tamper.get("key", self.key)
        return jwt.encode(body, key.private_pem, algorithm=alg, headers={"kid": kid})

    def auth_response(self, query: dict[str, str]) -> tuple[str, str, str]:
        """The OIDC auth step: (redirect_uri, id_token, state) for the tool's authentication request."""
        assert query["scope"] == "openid" and query["response_type"] == "id_token", query
        assert query["response_mode"] == "form_post" and query["prompt"] == "none", query
        assert query["client_id"] == self.client_id, query
        with self.lock:
            pending = self._pending.pop(query["login_hint"])
        assert query.get("lti_message_hint") == f"message-{query['login_hint']}"
        token = self.id_token(pending["claims"], nonce=query["nonce"], tamper=pending["tamper"])
        return query["redirect_uri"], token, query["state"]

    def scores_for(self, lineitem_url: str) -> list[dict[str, Any]]:
        return [s["body"] for s in self.scores if s["lineitem"] == lineitem_url]

    # ------------------------------------------------------------------ the services' checks

    def check_client_assertion(self, form: dict[str, str]) -> str | None:
        """None when the tool's signed assertion holds; else why not."""
        if form.get("grant_type") != "client_credentials":
            return "grant_type"
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return "client_assertion_type"
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            with urlopen(self.tool_jwks_url, timeout=5) as response:  # noqa: S310 - loopback only
                keys = json.load(response)["keys"]
            match = [k for k in keys if k.get("kid") == header.get("kid")]
            if not match:
                return f"no tool key with kid {header.get('kid')}"
            public = jwt.PyJWK(match[0]).key
            claims = jwt.decode(
                assertion, public, algorithms=["RS256"], audience=f"{self.base_url}/token",
                options={"require": ["iss", "sub", "aud", "iat", "exp", "jti"]},
            )
        except (jwt.PyJWTError, OSError, ValueError, KeyError) as exc:
            return f"assertion: {exc}"
        if claims["iss"] != self.client_id or claims["sub"] != self.client_id:
            return "assertion iss/sub"
        return None

    def authorised(self, headers: dict[str, str]) -> bool:
        value = headers.get("authorization", "")
        return value.startswith("Bearer ") and value[len("Bearer "):] in self.tokens


def _handler(platform: LmsPlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _record(self, body: str) -> Recorded:
            entry = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with platform.lock:
                platform.requests.append(entry)
            return entry

        def _send(self, status: int, body: str | bytes, content_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, value: Any, content_type: str = "application/json") -> None:
            self._send(status, json.dumps(value), content_type)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            entry = self._record("")
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            parts = [p for p in url.path.split("/") if p]
            if url.path == "/jwks":
                self._json(200, {"keys": [platform.key.jwk()]})
            elif url.path == "/auth":
                redirect_uri, token, state = platform.auth_response(query)
                page = (
                    "<!doctype html><html><body><form id='f' method='post' action='"
                    + html.escape(redirect_uri) + "'>"
                    + f"<input type='hidden' name='id_token' value='{html.escape(token)}'>"
                    + f"<input type='hidden' name='state' value='{html.escape(state)}'>"
                    + "<button type='submit'>Continue</button></form>"
                    + "<script>document.getElementById('f').submit()</script></body></html>"
                )
                self._send(200, page, "text/html; charset=utf-8")
            elif parts[:1] == ["nrps"] and len(parts) == 2:
                if not platform.authorised(entry.headers):
                    return self._json(401, {"error": "invalid_token"})
                members = [
                    {"user_id": m.user_id, "roles": m.roles, "status": m.status, "name": m.name,
                     "email": m.email}
                    for m in platform.members.get(parts[1], [])
                ]
                self._json(200, {"id": platform.base_url + url.path, "context": {"id": parts[1]},
                                 "members": members},
                           "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
            elif parts[:1] == ["lineitems"] and len(parts) == 2:
                if not platform.authorised(entry.headers):
                    return self._json(401, {"error": "invalid_token"})
                items = platform.line_items.get(parts[1], [])
                if "resource_id" in query:
                    items = [i for i in items if i.get("resourceId") == query["resource_id"]]
                self._json(200, items, "application/vnd.ims.lis.v2.lineitemcontainer+json")
            elif parts[:1] == ["course"] and len(parts) == 2:
                params = urlencode({k: v for k, v in query.items()})
                page = (
                    "<!doctype html><html><head><title>Test LMS course</title></head><body>"
                    "<h1>Test LMS: AI Engineering 101</h1>"
                    f"<iframe id='tool' name='tool' title='Gradient' width='1000' height='700' "
                    f"src='{html.escape(platform.tool_login_url)}?{html.escape(params)}'></iframe>"
                    "</body></html>"
                )
                self._send(200, page, "text/html; charset=utf-8")
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            entry = self._record(raw)
            url = urlsplit(self.path)
            parts = [p for p in url.path.split("/") if p]
            if url.path == "/token":
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                refusal = platform.check_client_assertion(form)
                if refusal:
                    with platform.lock:
                        platform.token_refusals.append(refusal)
                    return self._json(401, {"error": "invalid_client", "error_description": refusal})
                token = secrets.token_urlsafe(24)
                with platform.lock:
                    platform.tokens.add(token)
                self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                                 "scope": form.get("scope", "")})
            elif parts[:1] == ["lineitems"] and len(parts) == 2:
                if not platform.authorised(entry.headers):
                    return self._json(401, {"error": "invalid_token"})
                item = json.loads(raw)
                with platform.lock:
                    items = platform.line_items.setdefault(parts[1], [])
                    item["id"] = f"{platform.base_url}/lineitems/{parts[1]}/{len(items) + 1}"
                    items.append(item)
                self._json(201, item, "application/vnd.ims.lis.v2.lineitem+json")
            elif parts[:1] == ["lineitems"] and len(parts) == 4 and parts[3] == "scores":
                if not platform.authorised(entry.headers):
                    return self._json(401, {"error": "invalid_token"})
                if entry.headers.get("content-type") != "application/vnd.ims.lis.v1.score+json":
                    return self._json(415, {"error": "score content type"})
                lineitem = f"{platform.base_url}/lineitems/{parts[1]}/{parts[2]}"
                with platform.lock:
                    platform.scores.append({"lineitem": lineitem, "body": json.loads(raw), "raw": raw})
                self._send(204, b"")
            elif url.path == "/deep-link-return":
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                with platform.lock:
                    platform.deep_link_returns.append(form.get("JWT", ""))
                self._send(200, "<!doctype html><p>Deep link received</p>", "text/html; charset=utf-8")
            else:
                self._json(404, {"error": "not found"})

    return Handler


class PlatformServer:
    """The platform served on 127.0.0.1 (any free port) from a thread."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.platform = LmsPlatform()
        self.server = ThreadingHTTPServer((host, 0), _handler(self.platform))
        self.server.daemon_threads = True
        self.platform.base_url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="lti-platform", daemon=True)

    def __enter__(self) -> LmsPlatform:
        self.thread.start()
        return self.platform

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def unverified_claims(token: str) -> dict[str, Any]:
    """A JWT's claims, read without checking (the test then checks them against the tool's JWKS)."""
    return jwt.decode(token, options={"verify_signature": False})


def fresh_id() -> str:
    return uuid.uuid4().hex[:12]
