/* Variable-time ristretto255 arithmetic on PUBLIC data, over libdecaf (Debian libdecaf0).
 *
 * Built by `make setup` into _vartime.so and loaded by plebiscite/crypto/_vartime.py. Nothing
 * secret ever reaches this file: it serves the verifier, whose inputs are all in the public
 * record, so its running time may depend on its inputs. Secret arithmetic (key generation,
 * encryption nonces, shares, signing) stays in libsodium's constant-time code.
 *
 * One entry point does the work: a multi-scalar multiplication sum_i s_i * P_i over points
 * given as 32-byte encodings and scalars as 32-byte little-endian integers below 2^253.
 * Small inputs use Straus's interleaved method with signed radix-16 digits; large ones the
 * bucket method usually credited to Pippenger, with signed radix-2^c digits (see Bernstein et
 * al., "Faster batch forgery identification", INDOCRYPT 2012, section 4, for both).
 */
#include <decaf/point_255.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ENC 32
#define MAX_DIGITS 260

typedef struct decaf_255_point_s point;

int pleb_vt_abi(void) { return 1; }

/* Canonical-encoding test of RFC 9496 section 4.3.1, made here as well as in Python, so that
 * no encoding with the top bit set or a field element >= p reaches libdecaf. */
static int canonical(const uint8_t *s) {
    static const uint8_t p[ENC] = {
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    if (s[31] & 0x80 || s[0] & 1) return 0;
    for (int i = ENC - 1; i >= 0; i--) {
        if (s[i] < p[i]) return 1;
        if (s[i] > p[i]) return 0;
    }
    return 0; /* s == p */
}

/* Decode n encodings; -1 - i for the first one that is not a valid element, else 0. */
static int decode_all(point *out, size_t n, const uint8_t *enc) {
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = enc + ENC * i;
        if (!canonical(e) || decaf_255_point_decode(&out[i], e, DECAF_TRUE) != DECAF_SUCCESS)
            return -1 - (int)(i < 0x7ffffffe ? i : 0x7ffffffe);
    }
    return 0;
}

/* Signed digits of a scalar (< 2^253) in radix 2^w: sum d_k 2^(w k), |d_k| <= 2^(w-1). */
static int recode(int32_t *digits, const uint8_t *scalar, int w) {
    int count = (256 + w - 1) / w + 1;
    int32_t carry = 0;
    for (int k = 0; k < count; k++) {
        int bit = k * w;
        uint32_t window = 0;
        for (int b = 0; b < w && bit + b < 256; b++)
            window |= (uint32_t)((scalar[(bit + b) >> 3] >> ((bit + b) & 7)) & 1) << b;
        int32_t d = (int32_t)window + carry;
        carry = d > (1 << (w - 1));
        if (carry) d -= 1 << w;
        digits[k] = d;
    }
    return count;
}

static void add_signed(point *acc, const point *p, int negative) {
    if (negative)
        decaf_255_point_sub(acc, acc, p);
    else
        decaf_255_point_add(acc, acc, p);
}

/* Straus: one table of 1P..8P per point, digits in [-8, 8], shared doublings. */
static int straus(point *out, size_t n, const uint8_t *scalars, const point *pts) {
    point *table = malloc(sizeof(point) * 8 * (n ? n : 1));
    int32_t *digits = malloc(sizeof(int32_t) * MAX_DIGITS * (n ? n : 1));
    if (!table || !digits) {
        free(table);
        free(digits);
        return -1;
    }
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        point *t = table + 8 * i;
        t[0] = pts[i];
        decaf_255_point_double(&t[1], &pts[i]);
        for (int j = 2; j < 8; j++) decaf_255_point_add(&t[j], &t[j - 1], &pts[i]);
        count = recode(digits + MAX_DIGITS * i, scalars + ENC * i, 4);
    }
    *out = *decaf_255_point_identity;
    for (int k = count - 1; k >= 0; k--) {
        for (int d = 0; d < 4; d++) decaf_255_point_double(out, out);
        for (size_t i = 0; i < n; i++) {
            int32_t d = digits[MAX_DIGITS * i + k];
            if (d) add_signed(out, &table[8 * i + (d < 0 ? -d : d) - 1], d < 0);
        }
    }
    free(table);
    free(digits);
    return 0;
}

static int window_for(size_t n) {
    int best = 4;
    double best_cost = 1e300;
    for (int c = 4; c <= 16; c++) {
        double cost = ((256.0 + c - 1) / c + 1) * ((double)n + (double)(1 << c));
        if (cost < best_cost) {
            best_cost = cost;
            best = c;
        }
    }
    return best;
}

/* Pippenger: per window, points go to the bucket of their digit; the buckets are summed as
 * sum_b b * B_b by running sums, from the top window down with w doublings between. */
static int pippenger(point *out, size_t n, const uint8_t *scalars, const point *pts) {
    int w = window_for(n);
    size_t buckets_n = (size_t)1 << (w - 1);
    int count = (256 + w - 1) / w + 1;
    point *buckets = malloc(sizeof(point) * buckets_n);
    uint8_t *used = malloc(buckets_n);
    int32_t *digits = malloc(sizeof(int32_t) * (size_t)count * n);
    if (!buckets || !used || !digits) {
        free(buckets);
        free(used);
        free(digits);
        return -1;
    }
    for (size_t i = 0; i < n; i++) recode(digits + (size_t)count * i, scalars + ENC * i, w);
    *out = *decaf_255_point_identity;
    for (int k = count - 1; k >= 0; k--) {
        for (int d = 0; d < w; d++) decaf_255_point_double(out, out);
        memset(used, 0, buckets_n);
        for (size_t i = 0; i < n; i++) {
            int32_t d = digits[(size_t)count * i + k];
            if (!d) continue;
            size_t b = (size_t)(d < 0 ? -d : d) - 1;
            if (!used[b]) {
                if (d < 0)
                    decaf_255_point_negate(&buckets[b], &pts[i]);
                else
                    buckets[b] = pts[i];
                used[b] = 1;
            } else {
                add_signed(&buckets[b], &pts[i], d < 0);
            }
        }
        point running = *decaf_255_point_identity, sum = *decaf_255_point_identity;
        int any = 0;
        for (size_t b = buckets_n; b-- > 0;) {
            if (used[b]) {
                decaf_255_point_add(&running, &running, &buckets[b]);
                any = 1;
            }
            if (any) decaf_255_point_add(&sum, &sum, &running);
        }
        decaf_255_point_add(out, out, &sum);
    }
    free(buckets);
    free(used);
    free(digits);
    return 0;
}

/* out = sum s_i P_i, encoded. Returns 0, or -1 - i when point i is not a valid encoding, or
 * INT32_MIN when memory runs out. */
int pleb_vt_lincomb(uint8_t *out, size_t n, const uint8_t *scalars, const uint8_t *points) {
    point acc;
    point *pts = malloc(sizeof(point) * (n ? n : 1));
    if (!pts) return INT32_MIN;
    int rc = decode_all(pts, n, points);
    if (rc == 0) {
        int ok = n < 160 ? straus(&acc, n, scalars, pts) : pippenger(&acc, n, scalars, pts);
        if (ok != 0)
            rc = INT32_MIN;
        else
            decaf_255_point_encode(out, &acc);
    }
    free(pts);
    return rc;
}

/* 1 if sum s_i P_i is the identity, 0 if not, -1 - i when point i is not a valid encoding,
 * INT32_MIN when memory runs out. */
int pleb_vt_is_identity(size_t n, const uint8_t *scalars, const uint8_t *points) {
    point acc;
    point *pts = malloc(sizeof(point) * (n ? n : 1));
    if (!pts) return INT32_MIN;
    int rc = decode_all(pts, n, points);
    if (rc == 0) {
        int ok = n < 160 ? straus(&acc, n, scalars, pts) : pippenger(&acc, n, scalars, pts);
        rc = ok != 0 ? INT32_MIN : (decaf_255_point_eq(&acc, decaf_255_point_identity) ? 1 : 0);
    }
    free(pts);
    return rc;
}

/* out = sum P_i (a tally of public ciphertext components). Same return codes. */
int pleb_vt_sum(uint8_t *out, size_t n, const uint8_t *points) {
    point acc = *decaf_255_point_identity, p;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = points + ENC * i;
        if (!canonical(e) || decaf_255_point_decode(&p, e, DECAF_TRUE) != DECAF_SUCCESS)
            return -1 - (int)(i < 0x7ffffffe ? i : 0x7ffffffe);
        decaf_255_point_add(&acc, &acc, &p);
    }
    decaf_255_point_encode(out, &acc);
    return 0;
}

/* 1 if every encoding is a valid element, else -1 - i for the first invalid one. */
int pleb_vt_valid(size_t n, const uint8_t *points) {
    point p;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = points + ENC * i;
        if (!canonical(e) || decaf_255_point_decode(&p, e, DECAF_TRUE) != DECAF_SUCCESS)
            return -1 - (int)(i < 0x7ffffffe ? i : 0x7ffffffe);
    }
    return 1;
}

/* 1 if sum s_i P_i equals the element encoded in target, 0 if not, -1 - i when point i is not
 * a valid encoding (target counts as point n), INT32_MIN when memory runs out. */
int pleb_vt_equals(size_t n, const uint8_t *scalars, const uint8_t *points, const uint8_t *target) {
    point acc, want;
    point *pts = malloc(sizeof(point) * (n ? n : 1));
    if (!pts) return INT32_MIN;
    int rc = decode_all(pts, n, points);
    if (rc == 0 && decode_all(&want, 1, target) != 0) rc = -1 - (int)n;
    if (rc == 0) {
        int ok = n < 160 ? straus(&acc, n, scalars, pts) : pippenger(&acc, n, scalars, pts);
        rc = ok != 0 ? INT32_MIN : (decaf_255_point_eq(&acc, &want) ? 1 : 0);
    }
    free(pts);
    return rc;
}

/* out[g] = sum of the points i with group_of[i] = g, for g < groups (the verifier's tally of
 * one batch: every point decoded once, every sum encoded once). 0, or -1 - i when point i is
 * not a valid encoding or names no group, INT32_MIN when memory runs out. */
int pleb_vt_group_sums(uint8_t *out, size_t groups, size_t n, const uint8_t *points,
                       const uint32_t *group_of) {
    point *acc = malloc(sizeof(point) * (groups ? groups : 1));
    if (!acc) return INT32_MIN;
    for (size_t g = 0; g < groups; g++) acc[g] = *decaf_255_point_identity;
    point p;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = points + ENC * i;
        if (group_of[i] >= groups || !canonical(e) ||
            decaf_255_point_decode(&p, e, DECAF_TRUE) != DECAF_SUCCESS) {
            free(acc);
            return -1 - (int)(i < 0x7ffffffe ? i : 0x7ffffffe);
        }
        decaf_255_point_add(&acc[group_of[i]], &acc[group_of[i]], &p);
    }
    for (size_t g = 0; g < groups; g++) decaf_255_point_encode(out + ENC * g, &acc[g]);
    free(acc);
    return 0;
}
