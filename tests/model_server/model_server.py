#!/usr/bin/env python3
"""A small deterministic OpenAI-compatible model server, the one stand-in for a real LLM.

No model is reachable from these machines, yet the Letta server needs one to answer messages.
This server answers with a fixed rule so that tests (and people trying the app) know exactly
what an agent will say:

* a user message containing ``USE_TOOL:<name>`` makes the model call tool ``<name>`` once
  (arguments filled from the tool's JSON schema: strings "test", numbers 1, booleans false);
  after the tool result arrives the model answers ``Tool <name> returned: <result>``;
* any other user message is answered ``Echo: <message>``;
* tool arguments can be given after the tool name as ``key=value`` words
  (``USE_TOOL:memory_insert label=persona new_string=likes_tea``); they override the schema defaults,
  and numbers are converted when the schema says so; ``ARGS={"k":[...]}`` (JSON without spaces)
  gives structured arguments;
* when the system prompt carries ``REPLY_TAG:<word>``, every answer ends with `` [<word>]``, so a
  prompt change gives a visibly different reply (canary tests compare canary with production).

Served routes: ``GET /v1/models``, ``POST /v1/chat/completions`` (plain and ``stream: true``),
``POST /v1/embeddings`` (deterministic unit vectors of the requested dimension).
Standard library only, so it starts in milliseconds and installs nothing.
"""
import hashlib
import json
import math
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_ID = "canary-echo"


def last_user_text(messages):
    for m in reversed(messages):
        if m.get("role") == "user":
            return content_text(m.get("content"))
    return ""


def content_text(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def extract_user_message(text):
    """Letta wraps user text in JSON ({"type": "user_message", "message": ...}) on some paths."""
    try:
        data = json.loads(text)
        if isinstance(data, dict) and "message" in data:
            return str(data["message"])
    except (ValueError, TypeError):
        pass
    return text


def default_for(schema):
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    return {"string": "test", "integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}.get(t, "test")


def coerce(value, schema):
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    try:
        if t == "integer":
            return int(value)
        if t == "number":
            return float(value)
    except ValueError:
        pass
    if t == "boolean":
        return value.lower() == "true"
    return value


def tool_args(tools, name, given=None):
    for tool in tools or []:
        fn = tool.get("function", {})
        if fn.get("name") == name:
            props = fn.get("parameters", {}).get("properties", {})
            required = fn.get("parameters", {}).get("required", list(props))
            args = {k: default_for(props.get(k, {})) for k in required}
            for k, v in (given or {}).items():
                if k in props:
                    args[k] = v.value if isinstance(v, RawArg) else coerce(v, props[k])
            return args
    return {}


def given_args(words):
    """``key=value`` words right after the tool name; ``ARGS={json}`` (no spaces) gives
    structured arguments such as lists of objects."""
    out = {}
    for w in words:
        if "=" not in w:
            break
        k, v = w.split("=", 1)
        if k == "ARGS":
            try:
                parsed = json.loads(v)
                if isinstance(parsed, dict):
                    out.update({key: RawArg(val) for key, val in parsed.items()})
                continue
            except ValueError:
                pass
        out[k] = v
    return out


class RawArg:
    """An argument given as JSON: passed through as it is."""

    def __init__(self, value):
        self.value = value


def reply_tag(messages):
    """The ``REPLY_TAG:<word>`` of the system prompt, if any."""
    for m in messages:
        if m.get("role") == "system":
            text = content_text(m.get("content"))
            if "REPLY_TAG:" in text:
                rest = text.split("REPLY_TAG:", 1)[1].split()
                if rest:
                    return rest[0].strip(".,;:!?\"'")
    return None


def tagged(text, messages):
    tag = reply_tag(messages)
    return f"{text} [{tag}]" if tag else text


def decide(body):
    """Returns ('content', text) or ('tool', name, arguments_json)."""
    messages = body.get("messages", [])
    if messages and messages[-1].get("role") == "tool":
        name = "tool"
        call_id = messages[-1].get("tool_call_id")
        for m in reversed(messages):
            for call in m.get("tool_calls") or []:
                if call.get("id") == call_id:
                    name = call.get("function", {}).get("name", name)
        result = content_text(messages[-1].get("content"))
        return ("content", tagged(f"Tool {name} returned: {result[:200]}", messages))
    text = extract_user_message(last_user_text(messages))
    marker = "USE_TOOL:"
    if marker in text:
        words = text.split(marker, 1)[1].split()
        name = words[0].strip(".,;:!?\"'") if words else ""
        if name:
            return ("tool", name, json.dumps(tool_args(body.get("tools"), name, given_args(words[1:]))))
    return ("content", tagged(f"Echo: {text}", messages))


def usage(body):
    prompt = sum(len(content_text(m.get("content"))) for m in body.get("messages", [])) // 4 + 1
    return {"prompt_tokens": prompt, "completion_tokens": 8, "total_tokens": prompt + 8}


def embedding(text, dim):
    seed = hashlib.sha256(text.encode("utf-8")).digest()
    vals = []
    i = 0
    while len(vals) < dim:
        block = hashlib.sha256(seed + i.to_bytes(4, "little")).digest()
        vals.extend((b - 127.5) / 127.5 for b in block)
        i += 1
    vals = vals[:dim]
    norm = math.sqrt(sum(v * v for v in vals)) or 1.0
    return [v / norm for v in vals]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the Letta log is the interesting one
        pass

    def send_json(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b"{}"
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def do_GET(self):
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self.send_json(200, {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "canary"}]})
        elif self.path.rstrip("/") in ("/health", "/v1/health"):
            self.send_json(200, {"status": "ok"})
        else:
            self.send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self):
        body = self.read_body()
        if body is None:
            self.send_json(400, {"error": {"message": "body is not JSON"}})
            return
        path = self.path.rstrip("/")
        if path.endswith("/embeddings"):
            inputs = body.get("input", "")
            if isinstance(inputs, str):
                inputs = [inputs]
            dim = int(body.get("dimensions") or 1536)
            data = [{"object": "embedding", "index": i, "embedding": embedding(str(t), dim)} for i, t in enumerate(inputs)]
            self.send_json(200, {"object": "list", "data": data, "model": body.get("model", MODEL_ID),
                                 "usage": {"prompt_tokens": 1, "total_tokens": 1}})
        elif path.endswith("/chat/completions"):
            self.chat(body)
        else:
            self.send_json(404, {"error": {"message": f"no route {self.path}"}})

    def chat(self, body):
        decision = decide(body)
        created = int(time.time())
        cid = "chatcmpl-" + hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
        model = body.get("model", MODEL_ID)
        if decision[0] == "tool":
            call = {"id": "call_" + cid[-12:], "type": "function", "function": {"name": decision[1], "arguments": decision[2]}}
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": decision[1]}
            finish = "stop"
        if not body.get("stream"):
            self.send_json(200, {"id": cid, "object": "chat.completion", "created": created, "model": model,
                                 "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                                 "usage": usage(body)})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def chunk(delta, finish_reason=None, choices=True, extra=None):
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}] if choices else []}
            if extra:
                obj.update(extra)
            self.wfile.write(b"data: " + json.dumps(obj).encode() + b"\n\n")
            self.wfile.flush()

        chunk({"role": "assistant", "content": ""})
        if decision[0] == "tool":
            chunk({"tool_calls": [{"index": 0, **message["tool_calls"][0]}]})
        else:
            text = decision[1]
            step = max(1, len(text) // 4)
            for i in range(0, len(text), step):
                chunk({"content": text[i:i + step]})
        chunk({}, finish)
        chunk(None, choices=False, extra={"usage": usage(body)})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8284
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"model server on http://127.0.0.1:{port}/v1 (model {MODEL_ID})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
