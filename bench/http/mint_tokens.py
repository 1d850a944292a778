#!/usr/bin/env python3
"""Mints HS256 agent tokens as the Gateway's `token` command does (src/Gateway/Auth/TokenIssuer.cs), many at once.

Usage: mint_tokens.py SIGNING_KEY TENANT COUNT [HOURS] [ROLE] > tokens.txt  (users {ROLE}-0 … {ROLE}-{COUNT-1}; ROLE agent)
"""
import base64, hashlib, hmac, json, sys, time

def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

key, tenant, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
hours = float(sys.argv[4]) if len(sys.argv) > 4 else 8
role = sys.argv[5] if len(sys.argv) > 5 else "agent"
now = int(time.time())
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
for i in range(count):
    claims = {"sub": f"{role}-{i}", "tenant": tenant, "role": role, "iss": "work-sessions", "aud": "work-sessions",
              "iat": now, "nbf": now, "exp": now + int(hours * 3600)}
    body = header + "." + b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
    print(body + "." + b64(signature))
