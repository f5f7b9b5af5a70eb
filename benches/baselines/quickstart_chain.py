"""The quickstart chain as a SimPy model: the baseline of the benchmark's
first row, a discrete-event simulation written the usual way in Python.

Each incident walks the quickstart's chain as pocnet's log shows it: FR
reports it, asks DE (office hours, an on-call officer after hours) and then
the US to preserve and disclose, each answer travelling back over the
network; FR confirms in writing, preserves at its own carrier, and asks
both countries by MLA for production. The same 35 logged events per
incident, the same delay laws (log-normal by median and 90th percentile,
uniform where the scenario says so), desks as SimPy resources. It is a
model of the same shape and size, not a second implementation: its numbers
are not pocnet's, and the benchmark compares only the work per event.

Usage: python3 quickstart_chain.py INCIDENTS
Prints: events=N cpu_seconds=S (process time, interpreter start included)
"""

import math
import random
import sys
import time

import simpy

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
Z90 = 1.2815515655446004


def lognormal(rng, median, p90):
    return int(median * math.exp(rng.gauss(0.0, 1.0) * math.log(p90 / median) / Z90))


class Desk:
    """A country's point of contact: officers, and for office hours the
    wait until the desk opens or the on-call officer answers."""

    def __init__(self, env, name, office_hours, ack):
        self.env, self.name, self.office_hours, self.ack = env, name, office_hours, ack
        self.officers = simpy.Resource(env, capacity=2)

    def until_open(self, rng, now):
        if not self.office_hours:
            return 0
        hour = (now % DAY) // HOUR
        weekday = (now // DAY) % 7
        if weekday < 5 and 9 <= hour < 17:
            return 0
        return lognormal(rng, 2 * HOUR, 6 * HOUR)


def incident(env, rng, n, desks, log):
    def event(country, kind):
        log.append((env.now, country, kind, n))

    yield env.timeout(lognormal(rng, 4 * HOUR, 12 * HOUR) + (n % 1440) * MINUTE)
    event("FR", "incident_reported")
    for country, preserve, disclose in (("DE", (4 * HOUR, 24 * HOUR), (24 * HOUR, 72 * HOUR)),
                                        ("US", None, (12 * HOUR, 48 * HOUR))):
        desk = desks[country]
        event("FR", "request_sent")
        yield env.timeout(MINUTE + lognormal(rng, 5 * MINUTE, 30 * MINUTE))
        event(country, "request_received")
        yield env.timeout(desk.until_open(rng, env.now))
        with desk.officers.request() as officer:
            yield officer
            yield env.timeout(lognormal(rng, *desk.ack))
        event(country, "acknowledged")
        yield env.timeout(MINUTE + lognormal(rng, 5 * MINUTE, 30 * MINUTE))
        event("FR", "answer_received")
        event(country, "preservation_ordered")
        took = lognormal(rng, *preserve) if preserve else rng.randint(HOUR, 12 * HOUR)
        yield env.timeout(took)
        event(country, "preserved")
        yield env.timeout(MINUTE + lognormal(rng, 5 * MINUTE, 30 * MINUTE))
        event("FR", "answer_received")
        yield env.timeout(lognormal(rng, *disclose))
        event(country, "disclosed")
        yield env.timeout(MINUTE + lognormal(rng, 5 * MINUTE, 30 * MINUTE))
        event("FR", "answer_received")
    for country in ("US", "DE"):
        yield env.timeout(lognormal(rng, DAY, 3 * DAY))
        event("FR", "confirmation_sent")
        yield env.timeout(MINUTE + lognormal(rng, 5 * MINUTE, 30 * MINUTE))
        event(country, "confirmation_received")
    event("FR", "preservation_ordered")
    yield env.timeout(2 * HOUR)
    event("FR", "preserved")
    event("FR", "origin_found")
    event("FR", "produced")
    for country in ("US", "DE"):
        yield env.timeout(lognormal(rng, 21 * DAY, 60 * DAY))
        event("FR", "production_requested")
        yield env.timeout(MINUTE + lognormal(rng, 5 * MINUTE, 30 * MINUTE))
        event(country, "production_request_received")
        yield env.timeout(lognormal(rng, 90 * DAY, 300 * DAY))
        event(country, "produced")
        yield env.timeout(MINUTE + lognormal(rng, 5 * MINUTE, 30 * MINUTE))
        event("FR", "answer_received")


def main():
    incidents = int(sys.argv[1])
    rng = random.Random(1997)
    env = simpy.Environment()
    desks = {
        "DE": Desk(env, "DE", True, (20 * MINUTE, HOUR)),
        "US": Desk(env, "US", False, (15 * MINUTE, HOUR)),
    }
    log = []
    for n in range(incidents):
        env.process(incident(env, rng, n, desks, log))
    env.run()
    # The report: the log in order, and the acknowledgement's median.
    log.sort()
    acks = sorted(at for at, _, kind, _ in log if kind == "acknowledged")
    assert acks or not incidents, "no acknowledgement"
    print(f"events={len(log)} cpu_seconds={time.process_time():.3f}")


if __name__ == "__main__":
    main()
