// A ballot encrypted, proved, hashed and signed where the voter is: in the browser of the
// station's booth terminal (docs/pages.md, "Encryption in the browser").
//
// It follows docs/protocol.md exactly: the typed encoding and hashes of section 3, exponential
// ElGamal with nonces derived from a nonce seed (4.1, 4.3), the disjunctive range proof of 5.3
// carrying its commitments a_j, b_j (5.4), the encrypted answer of section 6, the voter's
// encrypted tag with its Schnorr proof (5.1, 6.3), the ballot, its tracking code and its
// Ed25519 signature under purpose "ballot" (6.1, 8), and the check-in (a random id the device
// draws, signed under purpose "check-in"; the voter never enters a signed message). The group
// arithmetic is libsodium's ristretto255 (npm package libsodium-wrappers-sumo, ISC licence),
// passed in as `sodium` once `sodium.ready` has resolved; nothing here reads the network.
// The Python side (crypto/ballot.py, domain/ballot.py) verifies what this module makes.

const PROTOCOL = "plebiscite-v2";
const UTF8 = new TextEncoder();
const ZERO = new Uint8Array(32);
const CHECKIN_BYTES = 16;

/** A group element in a hash input (type byte P). */
export class Pt {
  constructor(bytes) {
    this.bytes = bytes;
  }
}

/** A scalar in a hash input (type byte Z). */
export class Sc {
  constructor(bytes) {
    this.bytes = bytes;
  }
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u64(n) {
  const out = new Uint8Array(8);
  let x = BigInt(n);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function item(type, body) {
  return concat([UTF8.encode(type), u64(body.length), body]);
}

function integerBytes(n) {
  let x = BigInt(n);
  if (x < 0n) throw new Error("negative integers are not hashed");
  const bytes = [];
  do {
    bytes.unshift(Number(x & 0xffn));
    x >>= 8n;
  } while (x > 0n);
  return Uint8Array.from(bytes);
}

function encodeOne(part) {
  if (part instanceof Pt) return item("P", part.bytes);
  if (part instanceof Sc) return item("Z", part.bytes);
  if (part instanceof Uint8Array) return item("B", part);
  if (typeof part === "string") return item("S", UTF8.encode(part));
  if (typeof part === "number" || typeof part === "bigint") return item("I", integerBytes(part));
  if (Array.isArray(part)) return concat([UTF8.encode("L"), u64(part.length), ...part.map(encodeOne)]);
  throw new Error(`cannot hash ${typeof part}`);
}

/** encode(x_1, ..., x_m) of section 3.1. */
export function encode(...parts) {
  return concat(parts.map(encodeOne));
}

/** Canonical JSON (section 3.2): keys sorted, no whitespace, UTF-8, integers only. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  if (typeof value === "number" && !Number.isInteger(value)) throw new Error("no floats");
  return JSON.stringify(value);
}

/** The protocol's hashes and group operations over one libsodium instance. */
export function protocol(sodium) {
  const H = (tag, ...parts) => sodium.crypto_hash_sha512(encode(PROTOCOL, tag, ...parts));
  const Hs = (tag, ...parts) => sodium.crypto_core_ristretto255_scalar_reduce(H(tag, ...parts));
  // hash_to_group: RFC 9496's one-way map over the 64-byte hash (crypto/hashing.py).
  const Hg = (tag, ...parts) => sodium.crypto_core_ristretto255_from_hash(H(tag, ...parts));
  const isZero = (b) => b.every((x) => x === 0);
  const small = (j) => {
    const out = new Uint8Array(32);
    out.set(integerBytes(j).reverse());
    return out;
  };
  const mulG = (s) => (isZero(s) ? ZERO : sodium.crypto_scalarmult_ristretto255_base(s));
  const mul = (s, p) =>
    isZero(s) || isZero(p) ? ZERO : sodium.crypto_scalarmult_ristretto255(s, p);
  const add = (p, q) => (isZero(p) ? q : isZero(q) ? p : sodium.crypto_core_ristretto255_add(p, q));
  const sub = (p, q) => (isZero(q) ? p : sodium.crypto_core_ristretto255_sub(p, q));
  const G = sodium.crypto_scalarmult_ristretto255_base(small(1));
  const random = () => sodium.crypto_core_ristretto255_scalar_random();
  return { H, Hs, Hg, small, mulG, mul, add, sub, G, random, sodium };
}

/** The range proof of section 5.3 that (alpha, beta) = Enc_K(m; r) with lo <= m <= hi. */
export function proveRange(p, context, K, ct, m, r, lo, hi) {
  const S = p.sodium;
  const c = {};
  const v = {};
  const a = [];
  const b = [];
  const u = p.random();
  for (let j = lo; j <= hi; j++) {
    if (j === m) {
      a.push(p.mulG(u));
      b.push(p.mul(u, K));
    } else {
      c[j] = p.random();
      v[j] = p.random();
      a.push(p.add(p.mulG(v[j]), p.mul(c[j], ct[0])));
      const cj = S.crypto_core_ristretto255_scalar_mul(c[j], p.small(j));
      b.push(p.sub(p.add(p.mul(v[j], K), p.mul(c[j], ct[1])), p.mulG(cj)));
    }
  }
  const commitments = [];
  a.forEach((x, i) => commitments.push(new Pt(x), new Pt(b[i])));
  const challenge = p.Hs(
    "range", context, new Pt(p.G), new Pt(K), new Pt(ct[0]), new Pt(ct[1]), lo, hi, commitments,
  );
  let cm = challenge;
  for (const j of Object.keys(c)) cm = S.crypto_core_ristretto255_scalar_sub(cm, c[j]);
  c[m] = cm;
  v[m] = S.crypto_core_ristretto255_scalar_sub(u, S.crypto_core_ristretto255_scalar_mul(cm, r));
  const js = [];
  for (let j = lo; j <= hi; j++) js.push(j);
  const hex = (x) => S.to_hex(x);
  return {
    range: [lo, hi],
    c: js.map((j) => hex(c[j])),
    v: js.map((j) => hex(v[j])),
    a: a.map(hex),
    b: b.map(hex),
  };
}

/**
 * Scalars H("rng", seed, counter) for counter = 1, 2, ...: Python's SeededRng
 * (crypto/randomness.py), for known-answer tests only (whoever knows the seed knows r).
 */
export function seededRng(p, seed) {
  let counter = 0;
  return () => p.Hs("rng", seed, ++counter);
}

/** The Schnorr proof of section 5.1 that the prover knows x = secret with X = x*G. */
export function proveSchnorr(p, context, secret, rng = p.random) {
  const S = p.sodium;
  const u = rng();
  const c = p.Hs("schnorr", context, new Pt(p.G), new Pt(p.mulG(secret)), new Pt(p.mulG(u)));
  const v = S.crypto_core_ristretto255_scalar_sub(u, S.crypto_core_ristretto255_scalar_mul(c, secret));
  return { c: S.to_hex(c), v: S.to_hex(v) };
}

/**
 * The voter's encrypted tag of section 6.3 for one ballot: (r*G, T_v + r*K) with
 * T_v = hash_to_group("voter-tag", context, pseudonym) and a Schnorr proof of knowledge of r
 * bound to H("ballot-tag", context, device, checkin, alpha, beta). Returns the tag JSON and
 * r (the cast request's tag_opening; a challenge never sends it). `rng` draws r, then the
 * proof's nonce.
 */
export function encryptTag(p, K, context, device, checkin, pseudonym, rng = p.random) {
  const S = p.sodium;
  const r = rng();
  const T = p.Hg("voter-tag", context, S.from_hex(pseudonym));
  const alpha = p.mulG(r);
  const beta = p.add(T, p.mul(r, K));
  const tagContext = p.H("ballot-tag", context, device, checkin, new Pt(alpha), new Pt(beta));
  const tag = {
    ciphertext: [S.to_hex(alpha), S.to_hex(beta)],
    proof: proveSchnorr(p, tagContext, r, rng),
  };
  return { tag, r };
}

/** The encrypted answer of section 6 for one question: {id, n, min, max} and a 0/1 vector. */
export function encryptAnswer(p, K, context, question, choices, nonceSeed) {
  const S = p.sodium;
  const chosen = choices.reduce((x, y) => x + y, 0);
  if (choices.length !== question.n || choices.some((x) => x !== 0 && x !== 1)) {
    throw new Error(`question ${question.id}: ${question.n} choices of 0 or 1 are needed`);
  }
  if (chosen < question.min || chosen > question.max) {
    throw new Error(`question ${question.id}: ${chosen} options selected`);
  }
  const nonces = choices.map((_, i) => p.Hs("nonce", nonceSeed, [question.id, i]));
  const cts = choices.map((m, i) => [
    p.mulG(nonces[i]),
    p.add(p.mulG(p.small(m)), p.mul(nonces[i], K)),
  ]);
  const proofs = cts.map((ct, i) =>
    proveRange(p, p.H("selection", context, question.id, i), K, ct, choices[i], nonces[i], 0, 1),
  );
  let total = [ZERO, ZERO];
  let totalNonce = new Uint8Array(32);
  cts.forEach((ct, i) => {
    total = [p.add(total[0], ct[0]), p.add(total[1], ct[1])];
    totalNonce = S.crypto_core_ristretto255_scalar_add(totalNonce, nonces[i]);
  });
  const sumProof = proveRange(
    p, p.H("selection-sum", context, question.id), K, total, chosen, totalNonce,
    question.min, question.max,
  );
  return {
    question: question.id,
    selections: cts.map((ct) => [S.to_hex(ct[0]), S.to_hex(ct[1])]),
    selection_proofs: proofs,
    sum_proof: sumProof,
  };
}

/**
 * A signed ballot (section 6.1): `spec` holds election (manifest hash, hex), electionKey (hex),
 * device, location, voter (the roll pseudonym, hex: it goes into the encrypted tag only),
 * checkin (the id of the device's check-in of the voter, newCheckIn), previousCode (hex),
 * questions [{id, n, min, max}], choices (one 0/1 vector per question), secretKey (the
 * device's Ed25519 secret key, 64 bytes) and, for tests only, nonceSeed (32 bytes) and
 * tagRng (a scalar source such as seededRng; both from libsodium's CSPRNG otherwise).
 * Returns the ballot, its signature and tracking code, the challenge opening and the
 * tag_opening (hex r) that only a cast sends.
 */
export function makeBallot(sodium, spec) {
  const p = protocol(sodium);
  const S = sodium;
  const K = S.from_hex(spec.electionKey);
  const context = p.H("election", S.from_hex(spec.election), new Pt(K));
  if (!new RegExp(`^[0-9a-f]{${2 * CHECKIN_BYTES}}$`).test(spec.checkin || "")) {
    throw new Error(`the ballot needs its check-in id (${2 * CHECKIN_BYTES} lowercase hex digits)`);
  }
  const nonceSeed = spec.nonceSeed || S.randombytes_buf(32);
  const { tag, r } = encryptTag(
    p, K, context, spec.device, spec.checkin, spec.voter, spec.tagRng || p.random,
  );
  const ballot = {
    election: spec.election,
    device: spec.device,
    location: spec.location,
    checkin: spec.checkin,
    previous_code: spec.previousCode,
    tag,
    answers: spec.questions.map((q, i) =>
      encryptAnswer(p, K, context, q, spec.choices[i], nonceSeed),
    ),
  };
  const canonical = UTF8.encode(canonicalJson(ballot));
  const ballotHash = p.H("ballot", canonical);
  const code = p.H("tracking-code", S.from_hex(spec.previousCode), ballotHash).slice(0, 32);
  const signature = S.crypto_sign_detached(encode(PROTOCOL, "sig:ballot", canonical), spec.secretKey);
  return {
    ballot,
    signature: S.to_hex(signature),
    tracking_code: S.to_hex(code),
    opening: { nonce_seed: S.to_hex(nonceSeed), choices: spec.choices },
    tag_opening: S.to_hex(r),
  };
}

/** The first previous_code of a device's chain (section 6.1). */
export function genesisCode(sodium, election, device) {
  return sodium.to_hex(protocol(sodium).H("tracking-genesis", sodium.from_hex(election), device).slice(0, 32));
}

/** A fresh check-in id: 16 random bytes from libsodium's CSPRNG, lowercase hex. */
export function newCheckIn(sodium) {
  return sodium.to_hex(sodium.randombytes_buf(CHECKIN_BYTES));
}

/**
 * The device's signature (purpose "check-in", section 8.1) on its check-in `checkin`: the
 * signed message names the id, never the voter (the voter travels beside it in the request).
 */
export function signCheckIn(sodium, secretKey, election, device, checkin) {
  const message = UTF8.encode(canonicalJson({ checkin, device, election }));
  return sodium.to_hex(sodium.crypto_sign_detached(encode(PROTOCOL, "sig:check-in", message), secretKey));
}
