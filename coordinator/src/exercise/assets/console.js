// pocnet exercise consoles: the director's page and a seat's page.
// Everything shown comes from the HTTP API (docs/exercise.md); data is set
// as text, never as markup. The page re-reads on each server-sent `change`
// and every second for the clock.
"use strict";

// The link carries the token once: it moves to this tab's storage and out
// of the address bar (history, Referer); API calls send it in a header.
const params = new URLSearchParams(location.search);
const token = params.get("token") || sessionStorage.getItem("pocnet-token:" + location.pathname) || "";
if (params.has("token")) {
  sessionStorage.setItem("pocnet-token:" + location.pathname, token);
  history.replaceState(null, "", location.pathname);
}
const role = document.body.dataset.role;
// A seat's desk is in its address; an evaluator's cell comes with the state.
let seat = role === "seat" ? decodeURIComponent(location.pathname.split("/").pop()) : null;
let lastState = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

async function api(path, body) {
  const init = { headers: { Authorization: "Bearer " + token } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ error: "unreadable answer" }));
  if (!response.ok) {
    const error = new Error((data.field ? data.field + ": " : "") + (data.error || response.status));
    error.field = data.field;
    error.reason = data.error;
    throw error;
  }
  return data;
}

// One time format on every page: "Sat 07 Mar 2026 22:40 CET". A seat, and
// an evaluator for the cell they watch, read the desk's local time (the
// hours its officers keep); the director reads UTC, as the MSEL is
// written; "UTC" in a seat's header shows UTC on demand.
let utcShown = sessionStorage.getItem("pocnet-utc") === "1";
function pageZone() {
  if (role === "director" || utcShown || !lastState) return "UTC";
  const here = lastState.countries.find((c) => c.code === seat);
  return (here && here.zone) || "UTC";
}
function when(iso) {
  const ms = Date.parse(iso || "");
  if (Number.isNaN(ms)) return iso || "";
  const zone = pageZone();
  const format = new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" });
  const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return p.weekday + " " + p.day + " " + p.month + " " + p.year + " " + p.hour + ":" + p.minute + " " + (zone === "UTC" ? "UTC" : p.timeZoneName);
}
// The wall clock, for the director's list of refusals: 24-hour, like every other time.
function wallTime(ms) {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

// A deadline as a line: "c2-nl deletes its logs in 2d 3h", red once past.
function deadlineLine(d, nowMs) {
  if (!d.at) return el("div", { class: "countdown" }, d.what);
  const left = countdown(d.at, nowMs);
  return el("div", { class: "countdown" + (left.late ? " late" : "") }, d.what + " " + left.text);
}

// "in 2d 3h", "5h 10m ago": a deadline against the simulated present.
function countdown(atText, nowMs) {
  let ms = Date.parse(atText) - nowMs;
  const late = ms < 0;
  ms = Math.abs(ms);
  const d = Math.floor(ms / 86400000), h = Math.floor(ms / 3600000) % 24, m = Math.floor(ms / 60000) % 60;
  const text = (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m";
  return { text: late ? text + " ago" : "in " + text, late };
}

function showClock(state) {
  lastState = state;
  document.getElementById("title").textContent = state.exercise;
  const clock = document.getElementById("clock");
  const here = seat && state.countries.find((c) => c.code === seat);
  clock.textContent = when(state.sim_time);
  clock.title = here ? "UTC " + state.sim_time : "";
  const badge = document.getElementById("state");
  badge.textContent = state.paused ? "PAUSED" : "running " + state.speed + "×";
  badge.className = "badge " + (state.paused ? "paused" : "running");
  document.body.classList.toggle("paused", state.paused);
  // Paused, a desk takes no step: its page is inert, keyboard included
  // (the server refuses a step sent anyway, 409).
  if (role === "seat") document.querySelector("main").inert = state.paused;
  if (role === "director") {
    document.getElementById("speed").textContent = (state.phase ? state.phase + " · " : "") + "pace " + state.speed + "×";
    const choice = document.getElementById("speed-choice");
    if (document.activeElement !== choice && [...choice.options].some((o) => Number(o.value) === state.speed)) choice.value = String(state.speed);
    document.getElementById("settled").textContent = state.settled ? "every trace has settled" : "";
    showPlannedSkip(state);
  }
}

// The plan's next skip: when the clock reaches it, one press fills the
// skip (with its warning about open limits) and runs it.
function showPlannedSkip(state) {
  const holder = document.getElementById("planned-skip");
  const skip = state.planned_skip;
  if (!skip) { holder.replaceChildren(); return; }
  const due = Date.parse(state.sim_time) >= Date.parse(skip.from);
  const key = skip.from + due;
  if (holder.dataset.key === key) return;
  holder.dataset.key = key;
  holder.className = due ? "" : "muted";
  holder.replaceChildren(
    (due ? "Planned skip due now: " : "Next planned skip, at " + skip.from_t_plus + " (" + when(skip.from) + "): ") + "to " + skip.to_t_plus + " (" + when(skip.to) + ") ",
    el("button", { class: due ? "" : "secondary", "data-planned-skip": skip.to, onclick: () => {
      document.getElementById("skip-to").value = skip.to;
      document.getElementById("skip").click();
    } }, "Skip as planned"));
}

function tableRows(body, rows) {
  body.replaceChildren(...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c)))));
}

// ---- the seat's page ------------------------------------------------------

// Hints say the format, never a value a field could take: a grey
// "203.0.113.7" looks filled in.
const HINTS = { instant: "date and time with UTC offset: YYYY-MM-DDThh:mm:ss±hh:mm", date: "YYYY-MM-DD", ip: "IPv4 or IPv6 address", port: "a number, 0 to 65535" };
const GROUNDS = [["", "choose"], ["dual_criminality", "dual criminality (Art. 29(4), under a reservation)"], ["sovereignty", "sovereignty, security, ordre public (Art. 29(5))"]];
const CHANNELS = [["", "choose"], ["mla", "MLA request (Art. 31)"], ["epoc", "European Production Order"], ["art8", "2AP Art. 8 order"]];

function fieldInput(spec) {
  if (spec.kind === "flag") return el("input", { type: "checkbox", name: spec.name });
  if (spec.kind === "channel") return el("select", { name: spec.name }, ...CHANNELS.map(([value, label]) => el("option", { value }, label)));
  if (spec.kind === "ground") return el("select", { name: spec.name }, ...GROUNDS.map(([value, label]) => el("option", { value }, label)));
  if (spec.name === "facts" || spec.name === "answer" || spec.name === "justification")
    return el("textarea", { name: spec.name, rows: "2" });
  return el("input", { type: "text", name: spec.name, placeholder: HINTS[spec.kind] || "" });
}

function stepForm(task, form, holder) {
  const error = el("p", { class: "error" });
  const node = el("form", { class: "step", "data-kind": form.kind });
  for (const spec of form.fields) {
    node.append(el("label", {}, spec.label + (spec.wanted ? "" : " (optional)")), fieldInput(spec));
  }
  const send = el("button", { type: "submit" }, "Send");
  node.append(el("div", { class: "actions" }, send, el("button", { type: "button", class: "secondary", onclick: () => { holder.replaceChildren(); holder.closest("section")?.classList.remove("wide"); } }, "Cancel")), error);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (lastState && lastState.paused) {
      error.textContent = "The exercise is paused: desk steps wait until the director resumes the clock.";
      return;
    }
    const fields = {};
    for (const spec of form.fields) {
      const input = node.elements[spec.name];
      if (spec.kind === "flag") { if (input.checked) fields[spec.name] = true; }
      else if (input.value.trim() !== "") fields[spec.name] = spec.kind === "port" && /^\d+$/.test(input.value.trim()) ? Number(input.value.trim()) : input.value;
    }
    send.disabled = true;
    try {
      await api("/api/seats/" + seat + "/actions", { kind: form.kind, task: task.id, fields });
      holder.closest("section")?.classList.remove("wide");
      holder.replaceChildren(el("p", { class: "muted" }, "Sent."));
      refresh();
    } catch (e) {
      // A field the server could not read gets its reason beside it.
      node.querySelectorAll(".field-error").forEach((n) => n.remove());
      const input = e.field && e.field.startsWith("fields.") && node.elements[e.field.slice(7)];
      if (input) {
        input.after(el("span", { class: "error field-error" }, e.reason));
        input.focus();
        error.textContent = "";
      } else {
        error.textContent = e.message;
      }
      send.disabled = false;
    }
  });
  return node;
}

function taskCard(task) {
  const waiting = task.state.state === "waiting";
  const holder = el("div");
  const title = el("div", {}, task.label, " · ", task.incident, ", hop ", task.hop + 1,
    task.carrier ? " (" + task.carrier + ")" : "", task.peer ? " · to " + task.peer : "");
  const card = el("div", { class: "task" + (waiting && !task.read ? " unread" : "") + (task.urgent ? " urgent" : "") + (waiting ? "" : " done"), "data-task": task.id, "data-incident": task.incident, "data-kind": task.kind },
    title, el("div", { class: "muted" }, "since " + when(task.since) + (task.urgent ? " · " : ""), task.urgent ? el("span", { class: "urgent-text" }, "URGENT: risk to life") : ""));
  if (task.letter && waiting) card.append(letterView(task.letter));
  if (task.sent) card.append(el("details", {}, el("summary", { class: "muted" }, "the form as sent"), letterView(task.sent)));
  if (waiting && role === "seat") {
    for (const form of task.forms) {
      card.append(el("button", { class: "secondary", "data-open": form.kind, onclick: async () => {
        holder.replaceChildren(stepForm(task, form, holder));
        // A form is read and filled across the page, not in a third of it.
        holder.closest("section")?.classList.add("wide");
        if (!task.read && role === "seat") { task.read = true; api("/api/seats/" + seat + "/actions", { kind: "read", task: task.id }).catch(() => {}); }
      } }, form.label), " ");
    }
    card.append(holder);
  } else if (!waiting) {
    const ended = { done: "done", handed_to_bot: "handed to a bot", not_pursued: "not pursued", moot: "no longer needed: production was asked for" };
    card.append(el("div", { class: "muted" }, ended[task.state.state] || task.state.state));
  }
  return card;
}

// A request received, a carrier's answer, a request sent back: what the
// desk works from, as it was sent.
function letterView(letter) {
  const lines = letter.lines.map((l) => l.value === "" ? el("dt", { class: "section" }, l.label) : [el("dt", {}, l.label), el("dd", {}, l.value)]).flat();
  return el("div", { class: "letter" },
    el("div", { class: "letter-title" }, letter.title, letter.at ? el("span", { class: "muted" }, " · " + when(letter.at)) : "", letter.by_person ? "" : el("span", { class: "muted" }, " · sent by a bot desk")),
    el("dl", {}, ...lines));
}

// A case as this desk sees it; the desk that reported it may stop pursuing
// it, saying why (a dead end the report should not call "under way").
function deskCase(c) {
  const nowMs = lastState ? Date.parse(lastState.sim_time) : 0;
  const head = el("h3", {}, c.incident, el("span", { class: "muted" }, "  reported by " + c.reported_by));
  const rows = c.hops.map((h) => el("tr", {},
    el("td", {}, h.hop + 1), el("td", {}, h.country + " " + h.carrier), el("td", {}, h.status),
    el("td", {}, ...h.deadlines.map((d) => deadlineLine(d, nowMs)))));
  const body = c.hops.length
    ? el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "hop"), el("th", {}, "carrier"), el("th", {}, "status"), el("th", {}, "deadlines"))), el("tbody", {}, ...rows))
    : el("p", { class: "muted" }, "Nothing sent yet.");
  let closing = "";
  if (c.not_pursued) {
    closing = el("p", { class: "muted" }, "Not pursued: " + c.not_pursued);
  } else if (role === "seat" && c.reported_by === seat) {
    const why = el("input", { type: "text", class: "not-pursued-why", size: "32", placeholder: "not pursued, because…", "aria-label": "why " + c.incident + " is not pursued" });
    const error = el("span", { class: "error" });
    closing = el("form", { class: "not-pursued", "data-incident": c.incident, onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api("/api/seats/" + seat + "/actions", { kind: "not_pursued", incident: c.incident, text: why.value });
        why.value = "";
        refresh();
      } catch (e) { error.textContent = e.reason || e.message; }
    } }, why, " ", el("button", { type: "submit", class: "secondary" }, "Stop pursuing"), " ", error);
  }
  return el("div", { "data-case": c.incident }, head, body, closing);
}

function showInbox(inbox) {
  const nowMs = lastState ? Date.parse(lastState.sim_time) : 0;
  const tasks = document.getElementById("tasks");
  const open = tasks.querySelector("form.step");
  if (!open) {
    // Waiting steps first, newest first; the done ones folded below.
    const waiting = inbox.tasks.filter((t) => t.state.state === "waiting");
    const done = inbox.tasks.filter((t) => t.state.state !== "waiting");
    const folded = done.length ? [el("details", { class: "done-tasks" }, el("summary", { class: "muted" }, done.length + " done"), ...done.map(taskCard))] : [];
    tasks.replaceChildren(...(waiting.length ? waiting.map(taskCard) : [el("p", { class: "muted" }, "Nothing waiting.")]), ...folded);
  }
  const cases = document.getElementById("cases");
  // A reason being typed is not wiped by the next refresh.
  const typing = [...cases.querySelectorAll("input.not-pursued-why")].some((i) => i.value);
  if (!typing) cases.replaceChildren(...(inbox.cases.length ? inbox.cases.map(deskCase) : [el("p", { class: "muted" }, "No case yet.")]));
  document.getElementById("letters").replaceChildren(...(inbox.letters || []).map(letterView));
  document.getElementById("injects").replaceChildren(...(inbox.injects.length ? inbox.injects.map((m) => el("div", { class: "task" },
    el("div", {}, (m.from || "message") + (m.channel ? " · " + m.channel : "")), el("div", { class: "muted" }, when(m.at)), el("p", {}, m.text),
    ...m.attachments.map((a) => el("details", {}, el("summary", {}, a.name), el("pre", {}, a.text))))) : [el("p", { class: "muted" }, "No message.")]));
  document.getElementById("messages").replaceChildren(...inbox.messages.map((m) => el("li", {}, el("span", { class: "muted" }, when(m.at) + " · " + m.incident + ", hop " + (m.hop + 1) + ": "), m.text)));
  tableRows(document.getElementById("directory"), inbox.directory.map((d) => [d.country + " " + d.name + (d.member ? "" : " (not a member: MLA)") + (d.may_be_stale ? " ⚠ listed contact may be out of date" : ""), d.hours, (d.languages || []).join(", ")]));
  document.getElementById("notes").replaceChildren(...inbox.notes.map((n) => el("li", {}, el("span", { class: "muted" }, when(n.at) + (n.to ? " to " + n.to : "") + " "), n.text)));
  // Notes go to the desk's own log or to a desk a person plays now.
  const to = document.getElementById("note-to");
  const people = (lastState ? lastState.countries : []).filter((c) => c.played_by === "person" && c.code !== seat).map((c) => c.code);
  if (to && document.activeElement !== to && [...to.options].slice(1).map((o) => o.value).join() !== people.join()) {
    const chosen = to.value;
    to.replaceChildren(el("option", { value: "" }, "my decision log"), ...people.map((c) => el("option", { value: c }, "note to " + c)));
    to.value = people.includes(chosen) ? chosen : "";
  }
}

// ---- the director's page --------------------------------------------------

function showDirector(state, cases) {
  tableRows(document.getElementById("countries"), state.countries.map((c) => [
    c.code + " " + c.name, c.local_time, c.played_by,
    el("span", {},
      el("button", { class: "secondary", "data-hand": c.code, onclick: () => handOver(c.code, c.played_by === "person" ? "bot" : "person") }, c.played_by === "person" ? "Give to a bot" : "Give to a person"),
      // A new link for the seat revokes the old one: the desk changes hands, its cases stay.
      c.played_by === "person" ? el("button", { class: "secondary", "data-relink": c.code, title: "a new link for this seat; the old one stops working", onclick: () => handOver(c.code, "person") }, "New link") : ""),
  ]));
  document.getElementById("evaluators").replaceChildren(...(state.evaluators || []).map((e) => el("li", {}, "evaluator " + e.evaluator + " (" + e.cell + "): ", el("a", { href: e.url }, e.url))));
  const cell = document.getElementById("evaluator-cell");
  if (!cell.options.length) for (const c of state.countries) cell.append(el("option", { value: c.code }, c.code));
  document.getElementById("plan").replaceChildren(...(state.plan || []).map((p) => el("li", {}, p.action + " · " + p.owner + " · by " + p.due)));
  document.getElementById("seats").replaceChildren(...(state.seats || []).map((s) => el("li", {}, s.country + ": ", el("a", { href: s.url }, s.url))));
  document.getElementById("rejected").replaceChildren(...(state.rejected || []).slice().reverse().map((r) => el("li", {}, el("span", { class: "muted" }, wallTime(r.wall_ms) + " " + r.actor + " "), r.field ? r.field + ": " : "", r.error)));
  const nowMs = Date.parse(state.sim_time);
  document.getElementById("cases").replaceChildren(...cases.cases.map((c) => {
    const rows = c.hops.map((h) => el("tr", {},
      el("td", {}, h.hop), el("td", {}, h.country + " " + h.carrier), el("td", {}, h.status),
      el("td", {}, ...h.waiting_for.map((w) => el("div", {}, w.country + ": " + w.step))),
      el("td", {}, ...h.deadlines.map((d) => deadlineLine(d, nowMs)))));
    return el("div", {}, el("h3", {}, c.incident, el("span", { class: "muted" }, "  reported by " + c.reported_by + " · " + c.reason)),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "hop"), el("th", {}, "carrier"), el("th", {}, "status"), el("th", {}, "whose move"), el("th", {}, "deadlines"))), el("tbody", {}, ...rows)));
  }));
  document.getElementById("msel").replaceChildren(...cases.msel.map((i) => el("tr", {},
    el("td", {}, i.id), el("td", {}, i.to),
    el("td", {}, ...(i.t_plus ? [i.t_plus, el("div", { class: "muted" }, "wall " + i.wall)] : [i.standby ? "standby" : ""])),
    el("td", {}, i.state + (i.sent ? " " + when(i.sent) : "")),
    el("td", {}, ...i.expectations.map((e) => el("div", { class: e.status === "missed" ? "urgent-text" : "" }, e.what + ": " + e.status))),
    el("td", {}, ...(i.state === "sent" || i.state === "skipped" ? [] : [
      el("button", { class: "secondary", "data-fire": i.id, onclick: () => injectAction({ id: i.id, action: "fire" }) }, "Fire now"),
      el("button", { class: "secondary", onclick: () => injectAction({ id: i.id, action: i.state === "held" ? "retime" : "hold", ...(i.state === "held" ? { at: lastState.sim_time } : {}) }) }, i.state === "held" ? "Release" : "Hold"),
      el("button", { class: "secondary", onclick: () => injectAction({ id: i.id, action: "skip" }) }, "Skip"),
      retimeControl(i)])))));
  const waiting = cases.tasks.filter((t) => t.state.state === "waiting");
  document.getElementById("tasks").replaceChildren(...(waiting.length ? waiting.map((t) => el("div", { class: "task" + (t.urgent ? " urgent" : "") }, t.country + ": " + t.label + " · " + t.incident + ", hop " + (t.hop + 1), el("div", { class: "muted" }, "since " + when(t.since) + (t.read ? " · read" : " · unread")))) : [el("p", { class: "muted" }, "Nothing waits for a person.")]));
  document.getElementById("notes").replaceChildren(...cases.notes.map((n) => el("li", {}, el("span", { class: "muted" }, when(n.at) + " " + n.country + (n.to ? " to " + n.to : "") + ": "), n.text)));
}

// Re-time an inject to a simulated instant the director types.
function retimeControl(inject) {
  const at = el("input", { type: "text", size: "22", placeholder: "YYYY-MM-DDThh:mm:ssZ", "aria-label": "new time for " + inject.id });
  return el("span", { class: "retime" }, at, el("button", { class: "secondary", onclick: () => {
    if (at.value.trim()) injectAction({ id: inject.id, action: "retime", at: at.value.trim() });
  } }, "Re-time"));
}

function ratingBadge(r) {
  return el("span", { class: "badge" }, r || "–");
}

function showScores(scores) {
  document.getElementById("objectives").replaceChildren(...scores.objectives.map((o) => el("div", { class: "task" },
    el("div", {}, o.id + ": " + o.text),
    el("div", { class: "muted" }, "automatic rating ", o.automatic_hidden ? "shown once you have rated" : ratingBadge(o.automatic)),
    ...o.evaluations.map((e) => el("div", { class: "muted" + (e.current ? "" : " superseded") }, e.evaluator + (e.current ? "" : " (earlier)") + ": ", ratingBadge(e.rating), " " + e.note)))));
  const select = document.getElementById("objective");
  if (!select.options.length) for (const o of scores.objectives) select.append(el("option", { value: o.id }, o.id));
  const log = document.getElementById("observations");
  if (log) log.replaceChildren(...scores.observations.map((o) => el("li", {}, el("span", { class: "muted" }, when(o.at) + " "), o.text)));
}

let confirmedSkip = null;

async function clockAction(body) {
  const out = document.getElementById("clock-result");
  try {
    const result = await api("/api/clock", body);
    out.textContent = result.stopped_early ? "Stopped early at " + result.sim_time + ": a seat received something." : "Clock at " + result.sim_time;
    out.className = "muted";
  } catch (e) {
    out.textContent = e.message;
    out.className = "error";
  }
  refresh();
}

async function injectAction(body) {
  try {
    await api("/api/injects", body);
  } catch (e) {
    document.getElementById("clock-result").textContent = e.message;
  }
  refresh();
}

async function handOver(country, to) {
  const out = document.getElementById("clock-result");
  try {
    const answer = await api("/api/seats", { country, to });
    if (answer.url) {
      // The new link, to hand to the person now at the desk.
      const link = el("input", { type: "text", readonly: "", size: "48", value: answer.url });
      const copy = el("button", { class: "secondary", onclick: async () => {
        link.select();
        try { await navigator.clipboard.writeText(answer.url); copy.textContent = "Copied"; } catch (_) { copy.textContent = "Selected: press Ctrl+C"; }
      } }, "Copy");
      out.replaceChildren(country + "'s new link: ", link, " ", copy);
    } else {
      out.textContent = country + "'s desk is played by a bot; its old link no longer acts.";
    }
  } catch (e) {
    out.textContent = e.message;
  }
  refresh();
}

// ---- both -----------------------------------------------------------------

async function refresh() {
  try {
    const state = await api("/api/state");
    showClock(state);
    if (role === "director") {
      showDirector(state, await api("/api/cases"));
    } else if (role === "evaluator") {
      seat = state.cell;
      document.getElementById("desk").textContent = state.you;
      showInbox(await api("/api/seats/" + seat + "/inbox"));
      showScores(await api("/api/scores"));
    } else {
      document.getElementById("desk").textContent = seat + " desk";
      const here = state.countries.find((c) => c.code === seat);
      if (here && here.briefing) document.getElementById("briefing").textContent = here.briefing;
      showInbox(await api("/api/seats/" + seat + "/inbox"));
    }
  } catch (e) {
    document.getElementById("clock").textContent = e.message;
  }
}

async function tickClock() {
  try { showClock(await api("/api/state")); } catch (e) { /* the next refresh says why */ }
}

if (role === "evaluator") {
  document.getElementById("observation-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("observation");
    const out = document.getElementById("observation-result");
    if (!text.value.trim()) return;
    try {
      await api("/api/observations", { text: text.value });
      text.value = "";
      out.textContent = "Logged.";
    } catch (e) {
      out.textContent = e.message;
    }
    refresh();
  });
  document.getElementById("evaluation-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("evaluation-result");
    try {
      await api("/api/evaluations", { objective: document.getElementById("objective").value, rating: document.getElementById("rating").value, note: document.getElementById("evaluation-note").value });
      out.textContent = "Recorded.";
      document.getElementById("evaluation-note").value = "";
    } catch (e) {
      out.textContent = e.message;
    }
    refresh();
  });
}

if (role === "director") {
  document.getElementById("add-evaluator").addEventListener("click", async () => {
    await api("/api/evaluators", { cell: document.getElementById("evaluator-cell").value }).catch((e) => alert(e.message));
    refresh();
  });
  document.getElementById("final-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("final-result");
    const objective = document.getElementById("final-objective").value;
    try {
      await api("/api/final-ratings", { objective, rating: document.getElementById("final-rating").value, note: document.getElementById("final-note").value });
      out.textContent = objective + ": recorded for the report.";
      document.getElementById("final-note").value = "";
    } catch (e) {
      out.textContent = e.message;
    }
  });
  api("/api/scores").then((scores) => {
    const select = document.getElementById("final-objective");
    for (const o of scores.objectives) select.append(el("option", { value: o.id }, o.id + ": " + o.text.slice(0, 40)));
  }).catch(() => {});
  document.getElementById("plan-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = (id) => document.getElementById(id).value;
    try {
      await api("/api/plan", { action: field("plan-action"), owner: field("plan-owner"), due: field("plan-due") });
      for (const id of ["plan-action", "plan-owner", "plan-due"]) document.getElementById(id).value = "";
      document.getElementById("plan-result").textContent = "";
    } catch (e) {
      document.getElementById("plan-result").textContent = e.message;
    }
    refresh();
  });
  document.getElementById("report-link").href = "/report?token=" + encodeURIComponent(token);
  document.getElementById("resume").addEventListener("click", () => clockAction({ action: "resume" }));
  document.getElementById("pause").addEventListener("click", () => clockAction({ action: "pause" }));
  document.getElementById("set-speed").addEventListener("click", () => clockAction({ action: "speed", speed: Number(document.getElementById("speed-choice").value) }));
  document.getElementById("skip").addEventListener("click", () => {
    const to = document.getElementById("skip-to").value.trim();
    // A skip past an open expectation's limit is the director's doing:
    // say so first, and skip on the second press.
    const passed = (lastState && lastState.open_limits || []).filter((l) => Date.parse(l.limit) < Date.parse(to));
    if (passed.length && confirmedSkip !== to) {
      confirmedSkip = to;
      const out = document.getElementById("clock-result");
      out.textContent = "This skip passes the limit of " + passed.map((l) => l.what + " at " + when(l.limit)).join("; ") + ". The report will mark them skipped by the director. Press Skip again to skip anyway.";
      out.className = "error";
      return;
    }
    confirmedSkip = null;
    clockAction({ action: "skip", to });
  });
} else if (role === "seat") {
  // The hot wash happens with the clock paused: the form is on the pause
  // overlay as well as on the page.
  for (const holder of document.querySelectorAll(".hot-wash-form")) {
    const wentWell = el("textarea", { rows: "2", placeholder: "what went well" });
    const toImprove = el("textarea", { rows: "2", placeholder: "what to improve" });
    const out = el("span", { class: "muted" });
    holder.replaceChildren(el("form", { onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api("/api/seats/" + seat + "/feedback", { went_well: wentWell.value, to_improve: toImprove.value });
        wentWell.value = ""; toImprove.value = "";
        out.textContent = "Thank you: it goes into the after-action report.";
      } catch (e) { out.textContent = e.reason || e.message; }
    } }, wentWell, toImprove, el("p", {}, el("button", { type: "submit", class: "secondary" }, "Send"), " ", out)));
  }
  document.getElementById("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("note").value.trim();
    const to = document.getElementById("note-to").value;
    const error = document.getElementById("note-error");
    if (!text) return;
    try {
      await api("/api/seats/" + seat + "/actions", { kind: "note", text, ...(to ? { to } : {}) });
      document.getElementById("note").value = "";
      error.textContent = "";
    } catch (e) { error.textContent = e.reason || e.message; }
    refresh();
  });
  const utc = document.getElementById("utc-toggle");
  const label = () => { utc.textContent = utcShown ? "local time" : "UTC"; utc.title = utcShown ? "show times in the desk's local time" : "show times in UTC"; };
  label();
  utc.addEventListener("click", () => { utcShown = !utcShown; sessionStorage.setItem("pocnet-utc", utcShown ? "1" : "0"); label(); refresh(); });
}

new EventSource("/api/events?token=" + encodeURIComponent(token)).addEventListener("change", refresh);
setInterval(tickClock, 1000);
refresh();
