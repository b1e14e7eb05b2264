"""Builds the feedback bench's shop state over HTTP (API.md only): a catalogue, a behaviour history for many users,
and one segmentation run, so recommendations fall into several segments. Standard library only; seeded.

Usage: setup.py BASE_URL STOREFRONT_KEY ADMIN_KEY [--items 3000] [--categories 30] [--users 20000] [--events 8]
                [--workers 4] [--warm 0] [--click-share 0.1]
--warm N then warms the policy: N GET /recommend?count=10 for users drawn as recommend.lua does (a fifth unknown) and
a click on each shown item with probability --click-share, both from --workers threads.
"""
import argparse
import datetime
import http.client
import json
import random
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("key")
    p.add_argument("admin_key")
    p.add_argument("--items", type=int, default=3000)
    p.add_argument("--categories", type=int, default=30)
    p.add_argument("--users", type=int, default=20000)
    p.add_argument("--events", type=int, default=8)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--warm", type=int, default=0)
    p.add_argument("--click-share", type=float, default=0.1)
    a = p.parse_args()
    url = urllib.parse.urlsplit(a.base)
    rng = random.Random(a.seed)

    def call(method, path, body=None, key=a.key):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request(method, path, data, {"X-Api-Key": key, "Content-Type": "application/json"})
            r = conn.getresponse()
            text = r.read()
            if r.status >= 300:
                sys.exit(f"setup: {method} {path} -> {r.status} {text[:300]!r}")
            return json.loads(text) if text else None
        finally:
            conn.close()

    started = time.monotonic()
    items = [{"itemId": f"item-{i:05d}", "category": f"cat-{i % a.categories:02d}",
              "price": round(5 + (i * 37 % 400), 2), "inStock": True} for i in range(a.items)]
    for start in range(0, len(items), 1000):
        call("POST", "/items", {"items": items[start:start + 1000]})

    # Each user has a taste: mostly one category, some noise; a fifth of events elsewhere.
    now = datetime.datetime.now(datetime.timezone.utc)
    per_category = a.items // a.categories
    types = ["view"] * 6 + ["click"] * 2 + ["add_to_cart", "purchase"]
    events = []
    for u in range(a.users):
        taste = rng.randrange(a.categories)
        for e in range(a.events):
            c = taste if rng.random() < 0.8 else rng.randrange(a.categories)
            t = rng.choice(types)
            ev = {"eventId": f"h-{u}-{e}", "userId": f"user-{u:06d}", "type": t,
                  "itemId": f"item-{c + a.categories * rng.randrange(per_category):05d}",
                  "occurredAt": (now - datetime.timedelta(minutes=rng.randrange(1, 7 * 24 * 60))).strftime("%Y-%m-%dT%H:%M:%SZ")}
            if t == "purchase":
                ev["value"] = 20.0
            events.append(ev)
    batches = [events[s:s + 1000] for s in range(0, len(events), 1000)]
    with ThreadPoolExecutor(a.workers) as pool:
        for result in pool.map(lambda b: call("POST", "/events", {"events": b}), batches):
            if result["rejected"]:
                sys.exit(f"setup: events rejected: {result['rejected'][:3]}")

    run = call("POST", "/admin/segmentation/runs", key=a.admin_key)["runId"]
    deadline = time.monotonic() + 300
    while True:
        state = call("GET", f"/admin/segmentation/runs/{run}", key=a.admin_key)
        if state["status"] != "running":
            break
        if time.monotonic() > deadline:
            sys.exit("setup: segmentation run still running after 300 s")
        time.sleep(0.5)
    if state["status"] != "succeeded":
        sys.exit(f"setup: segmentation run {state['status']}: {state}")
    print(f"setup: {a.items} items in {a.categories} categories, {a.users} users with {len(events)} events, "
          f"segmentation run {run}: K = {state['k']}, {state['users']} users ({time.monotonic() - started:.1f} s)")
    if a.warm > 0:
        warm(a, call)


def warm(a, call):
    started = time.monotonic()

    def one(i):
        r = random.Random(a.seed * 1_000_003 + i)
        user = r.randrange(a.users * 5 // 4)
        answer = call("GET", f"/recommend?userId=user-{user:06d}&count=10")
        clicks = 0
        for item in answer["items"]:
            if r.random() < a.click_share:
                call("POST", "/feedback/click", {"recommendationId": answer["recommendationId"], "itemId": item["itemId"]})
                clicks += 1
        return clicks

    with ThreadPoolExecutor(a.workers) as pool:
        clicks = sum(pool.map(one, range(a.warm)))
    print(f"setup: policy warmed with {a.warm} recommendations and {clicks} clicks ({time.monotonic() - started:.1f} s)")


main()
