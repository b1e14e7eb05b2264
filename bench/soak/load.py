#!/usr/bin/env python3
"""Mixed, rate-bounded load for the soak: events, recommendations and click/purchase feedback.

Each worker loops at a fixed pace: POST /events (a batch for one user), GET /recommend?count=10 for that user, a click
on one shown item for 30 % of answers (right away) and a purchase for 5 %, plus now and then a late click on an earlier
answer. Users and items are those of bench/feedback/setup.py (user-NNNNNN, item-NNNNN). Standard library only; seeded.
Connection errors and 5xx are counted, not fatal (the outage variant stops PostgreSQL on purpose). Prints one JSON line
of counts per endpoint and status at the end.

Usage: load.py BASE_URL STOREFRONT_KEY SECONDS [--workers 4] [--rounds-per-second 10] [--users 5000] [--items 3000]
       [--batch 20] [--seed 1]
"""
import argparse
import http.client
import json
import random
import threading
import time
import urllib.parse
from collections import Counter


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("key")
    p.add_argument("seconds", type=float)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--rounds-per-second", type=float, default=10, help="per worker")
    p.add_argument("--users", type=int, default=5000)
    p.add_argument("--items", type=int, default=3000)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    url = urllib.parse.urlsplit(a.base)
    counts = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + a.seconds

    def worker(w):
        rng = random.Random(a.seed * 1000 + w)
        conn = None
        answers = []
        n = 0

        def call(method, path, body=None):
            nonlocal conn
            endpoint = path.split("?")[0]
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                data = None if body is None else json.dumps(body).encode()
                conn.request(method, path, data, {"X-Api-Key": a.key, "Content-Type": "application/json"})
                r = conn.getresponse()
                text = r.read()
                with lock:
                    counts[f"{endpoint} {r.status}"] += 1
                return json.loads(text) if r.status == 200 and text else None
            except (OSError, http.client.HTTPException):
                with lock:
                    counts[f"{endpoint} no-answer"] += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.1)
                return None

        pace = 1.0 / a.rounds_per_second
        next_round = time.monotonic()
        while time.monotonic() < deadline:
            n += 1
            user = f"user-{rng.randrange(a.users):06d}"
            events = []
            for k in range(a.batch):
                t = rng.choice(["view"] * 6 + ["click"] * 2 + ["add_to_cart", "purchase"])
                ev = {"eventId": f"soak-{a.seed}-{w}-{n}-{k}", "userId": user, "type": t,
                      "itemId": f"item-{rng.randrange(a.items):05d}"}
                if t == "purchase":
                    ev["value"] = 20.0
                events.append(ev)
            call("POST", "/events", {"events": events})
            answer = call("GET", f"/recommend?userId={user}&count=10")
            if answer and answer.get("items"):
                shown = (answer["recommendationId"], [i["itemId"] for i in answer["items"]])
                answers.append(shown)
                del answers[:-200]
                x = rng.random()
                if x < 0.05:
                    call("POST", "/feedback/purchase", {"recommendationId": shown[0], "itemId": rng.choice(shown[1]), "amount": 20})
                elif x < 0.35:
                    call("POST", "/feedback/click", {"recommendationId": shown[0], "itemId": rng.choice(shown[1])})
            if answers and rng.random() < 0.1:
                rid, items = rng.choice(answers)
                call("POST", "/feedback/click", {"recommendationId": rid, "itemId": rng.choice(items)})
            next_round += pace
            time.sleep(max(0.0, next_round - time.monotonic()))
            if next_round < time.monotonic() - 1:
                next_round = time.monotonic()  # behind by more than a second: do not burst to catch up

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(dict(sorted(counts.items()))))


if __name__ == "__main__":
    main()
