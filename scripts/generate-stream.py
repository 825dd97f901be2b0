#!/usr/bin/env python3
"""Writes a replay fixture for benchmarks: two tenants, COMPOSITES IMWG composites with their three questionnaires
completed and scored, as many unrelated tasks, every 50th message twice (a redelivered duplicate), and every 1,000th
message malformed. About 13 messages of about 350 bytes per composite.

    scripts/generate-stream.py COMPOSITES FIXTURE PATIENTS
"""
import json
import sys
from datetime import datetime, timedelta, timezone

composites, fixture, patients = int(sys.argv[1]), sys.argv[2], sys.argv[3]
start = datetime(2024, 1, 1, tzinfo=timezone.utc)
tenants = ["orikami", "radboud"]
features = [("Katz-ADL", 6), ("Lawton-IADL", 8), ("CCI", 37)]
count = 0


def stamp(seconds):
    return (start + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


with open(fixture, "w") as out, open(patients, "w") as people:
    def emit(tenant, kind, seconds, message):
        global count
        count += 1
        topic = f"persistent://krane-staging/{kind}/{tenant}-events"
        if count % 1000 == 0:
            line = {"topic": topic, "publishTime": stamp(seconds), "raw": "{malformed " + str(count)}
        else:
            line = {"topic": topic, "publishTime": stamp(seconds), "message": message}
        text = json.dumps(line) + "\n"
        out.write(text)
        if count % 50 == 0:
            out.write(text)

    def event(tenant, name, data):
        return {"name": name, "version": "v2", "tenant": tenant, "data": data}

    for index in range(composites):
        tenant = tenants[index % 2]
        patient = f"patient-{index}"
        people.write(json.dumps({"tenant": tenant, "patientId": patient, "birthDate": f"19{30 + index % 50}-05-17"}) + "\n")
        base = index * 10
        at = index * 3
        def created(occurrence, feature, kind):
            return event(tenant, "FutureTaskCreated", {
                "experimentType": kind, "featureId": feature, "resultId": None, "patientId": patient,
                "projectId": None, "scheduleType": "oneoff", "occurrenceId": occurrence,
                "startAt": "2024-01-01T08:00:00.000Z", "endAt": "2024-01-08T08:00:00.000Z"})
        emit(tenant, "tasks", at, created(base, "IMWGFrailty", "composite"))
        for offset, (feature, _) in enumerate(features):
            emit(tenant, "tasks", at, created(base + offset + 1, feature, "questionnaire"))
        emit(tenant, "tasks", at + 1, event(tenant, "FutureTaskCreated", {
            "experimentType": "questionnaire", "featureId": "Unrelated", "resultId": None, "patientId": patient,
            "projectId": None, "occurrenceId": base + 9, "startAt": "2024-01-01T08:00:00.000Z"}))
        for offset, (feature, maximum) in enumerate(features):
            occurrence = base + offset + 1
            emit(tenant, "tasks", at + 2, event(tenant, "TaskCompleted", {"occurrenceId": occurrence, "resultId": f"r{occurrence}"}))
            emit(tenant, "experiments", at + 2, event(tenant, "QuestionnaireScoreGenerated", {
                "resultId": f"r{occurrence}", "score": (index + offset) % (maximum + 1), "interpretation": None}))
print(f"{fixture}: {count} messages, {composites} composites", file=sys.stderr)
