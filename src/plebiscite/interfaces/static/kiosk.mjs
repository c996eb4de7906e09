// The booth terminal that encrypts in the voter's browser (docs/pages.md, "Encryption in the
// browser"). It holds the station device's Ed25519 key (made here, kept in this browser's
// storage, its public part enrolled when the terminal is paired), takes the voter an official
// checked in, draws the check-in's random id and signs it, shows the questions, encrypts the
// voter's tag and the choices, proves and signs the ballot (ballot.mjs) and posts only the
// signed encrypted ballot to the API (with the tag's randomness when it is cast, so that the
// service can check the tag is this voter's). The server never receives a choice.

import sodium from "/static/libsodium-wrappers.mjs";
import { makeBallot, newCheckIn, signCheckIn } from "/static/ballot.mjs";

await sodium.ready;

const WAIT_MS = 1500;

function keyOf(device) {
  const name = `plebiscite-kiosk-key:${device}`;
  let hex = window.localStorage.getItem(name);
  if (!hex) {
    hex = sodium.to_hex(sodium.crypto_sign_keypair().privateKey);
    window.localStorage.setItem(name, hex);
  }
  return sodium.from_hex(hex);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

async function post(path, body) {
  const r = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => ({})) };
}

function groups(code) {
  return code.match(/.{1,4}/g);
}

class Terminal {
  constructor(root) {
    this.root = root;
    this.device = root.dataset.device;
    this.secretKey = keyOf(this.device);
    this.waiting = root.innerHTML;
  }

  show(...nodes) {
    this.root.replaceChildren(...nodes);
    const heading = this.root.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  async wait() {
    this.root.innerHTML = this.waiting;
    for (;;) {
      const r = await fetch(`/kiosk/${this.device}/next`, { cache: "no-store" });
      const sheet = r.ok ? await r.json() : { waiting: true };
      if (!sheet.waiting) return this.start(sheet);
      await new Promise((done) => setTimeout(done, WAIT_MS));
    }
  }

  async start(sheet) {
    this.sheet = sheet;
    this.words = sheet.words;
    document.documentElement.lang = sheet.lang;
    // One check-in per voter at this terminal: a challenged ballot and the one cast after it
    // repeat its id.
    this.checkin = newCheckIn(sodium);
    const signature = signCheckIn(sodium, this.secretKey, sheet.election, sheet.device, this.checkin);
    const checked = await post(`/devices/${sheet.device}/check-ins`, {
      voter: sheet.voter, checkin: this.checkin, signature,
    });
    if (checked.status !== 201) return this.refused(checked.body);
    this.choices = {};
    this.choose("");
  }

  refused(body) {
    const next = el("button", { type: "button", id: "next-voter" }, this.words.kiosk_next);
    next.addEventListener("click", () => this.finish());
    this.show(
      el("h1", {}, this.words.refused),
      el("p", { role: "alert", lang: "en" }, String(body.detail || body.title || "refused")),
      next,
    );
  }

  choose(error) {
    const form = el("form", { class: "stack", id: "choose" });
    for (const q of this.sheet.questions) {
      const set = el("fieldset", {}, el("legend", {}, q.text));
      if (q.explanation) set.append(el("p", {}, q.explanation));
      for (const o of q.options) {
        const id = `q-${q.id}-${o.id}`;
        const input = el("input", { type: "radio", name: q.id, value: o.id, id });
        if (this.choices[q.id] === o.id) input.checked = true;
        set.append(el("p", {}, input, " ", el("label", { for: id }, o.label)));
      }
      form.append(set);
    }
    form.append(el("button", { type: "submit", id: "review" }, this.words.review));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      this.choices = {};
      for (const q of this.sheet.questions) {
        if (data.get(q.id)) this.choices[q.id] = data.get(q.id);
      }
      const missing = this.sheet.questions.some((q) => q.min > 0 && !this.choices[q.id]);
      if (missing) return this.choose(this.words.answer_all);
      this.review();
    });
    const nodes = [el("h1", {}, this.words.booth), el("p", {}, this.words.choose_help)];
    if (error) nodes.push(el("p", { class: "error", role: "alert" }, error));
    this.show(...nodes, form);
  }

  chosenList() {
    const list = el("dl", { class: "chosen" });
    for (const q of this.sheet.questions) {
      const option = q.options.find((o) => o.id === this.choices[q.id]);
      list.append(el("dt", {}, q.text), el("dd", {}, option ? option.label : this.words.blank));
    }
    return list;
  }

  review() {
    const change = el("button", { type: "button", id: "change" }, this.words.change);
    change.addEventListener("click", () => this.choose(""));
    const seal = el("button", { type: "button", id: "seal" }, this.words.seal);
    seal.addEventListener("click", () => this.seal());
    this.show(el("h1", {}, this.words.you_chose), this.chosenList(), change, seal);
  }

  seal() {
    const s = this.sheet;
    this.made = makeBallot(sodium, {
      election: s.election,
      electionKey: s.election_key,
      device: s.device,
      location: s.location,
      voter: s.voter,
      checkin: this.checkin,
      previousCode: s.previous_code,
      questions: s.questions,
      choices: s.questions.map((q) => q.options.map((o) => (this.choices[q.id] === o.id ? 1 : 0))),
      secretKey: this.secretKey,
    });
    const code = groups(this.made.tracking_code);
    const cast = el("button", { type: "button", id: "cast" }, this.words.cast);
    cast.addEventListener("click", () => this.cast());
    const challenge = el("button", { type: "button", id: "challenge" }, this.words.challenge);
    challenge.addEventListener("click", () => this.challenge());
    this.show(
      el("h1", {}, this.words.tracking_code),
      el("p", { class: "code", id: "tracking-code", "aria-label": code.join(" ") },
        ...code.map((g) => el("span", {}, g)), ""),
      el("p", {}, this.words.code_help),
      cast,
      el("p", {}, this.words.cast_help),
      challenge,
      el("p", {}, this.words.challenge_help),
    );
  }

  // The voter's check that the terminal encrypted their choice: the ballot is published with
  // its opening (never counted), and the page reads the opening back from the board.
  async challenge() {
    const made = this.made;
    this.made = null;
    const r = await post("/challenges", {
      ballot: made.ballot, signature: made.signature, opening: made.opening,
    });
    if (r.status !== 201) return this.refused(r.body);
    this.sheet.previous_code = r.body.tracking_code;  // the device's chain goes on from it
    const i = r.body.leaf_index;
    const page = await (await fetch(`/board/entries?start=${i}&stop=${i + 1}`)).json();
    const recorded = page.entries[0].event.payload.opening.choices;
    const list = el("ul", { class: "chosen" });
    this.sheet.questions.forEach((q, k) => {
      const picked = q.options.filter((_, j) => recorded[k][j] === 1).map((o) => o.label);
      list.append(el("li", {}, `${q.text} `,
        el("strong", { class: "answer", id: `recorded-${k + 1}` }, picked.join(", ") || this.words.blank)));
    });
    this.choices = {};
    const again = el("button", { type: "button", id: "again" }, this.words.vote_again);
    again.addEventListener("click", () => this.choose(""));
    this.show(
      el("h1", { id: "opened" }, this.words.challenged_title),
      el("h2", {}, `${this.words.device_recorded}:`),
      list,
      el("p", {}, this.words.challenged_help),
      again,
    );
  }

  async cast() {
    const made = this.made;
    this.made = null;
    this.choices = {};  // forgotten once the ballot is sealed and sent
    const r = await post("/ballots", {
      ballot: made.ballot, signature: made.signature, tag_opening: made.tag_opening,
    });
    if (r.status !== 201) return this.refused(r.body);
    const code = groups(r.body.tracking_code);
    const next = el("button", { type: "button", id: "next-voter" }, this.words.kiosk_next);
    next.addEventListener("click", () => this.finish());
    this.show(
      el("h1", { id: "done" }, this.words.cast_done),
      el("p", {}, this.words.cast_done_help),
      el("p", { class: "code", id: "cast-code" }, ...code.map((g) => el("span", {}, g))),
      next,
    );
  }

  async finish() {
    this.sheet = null;
    this.checkin = null;
    await fetch(`/kiosk/${this.device}/finished`, { method: "POST" });
    this.wait();
  }
}

const pairForm = document.getElementById("pair-form");
if (pairForm) {
  // Pairing: the public part of the key this terminal holds is enrolled for the station.
  const secretKey = keyOf(pairForm.dataset.device);
  document.getElementById("public_key").value = sodium.to_hex(secretKey.slice(32));
  document.getElementById("pair").disabled = false;
} else {
  const root = document.getElementById("kiosk");
  if (root) new Terminal(root).wait();
}
