/* The clean-path item checks of checks._clean, in C.
 *
 * `clean(splits_character, data, text)` answers exactly what checks._clean_py answers: True
 * only when the full item checks would find nothing. It never reports a problem: anything
 * unusual (a shape it does not expect, a reference out of order, an offset next to a
 * combining mark that needs the Unicode database) answers False, or asks `splits_character`,
 * and the Python checks decide. A test runs both on thousands of mutated layers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static PyObject *k_mentions, *k_claims, *k_stances, *k_id, *k_start, *k_end, *k_text, *k_type,
    *k_claimant, *k_holder, *k_claim, *s_fact;

/* 1 when `s` is the id prefix+(i+1) ("m1", "c12", ...), else 0. */
static int is_id(PyObject *s, Py_UCS4 prefix, Py_ssize_t i) {
    if (!PyUnicode_CheckExact(s)) return 0;
    char want[32];
    int n = snprintf(want, sizeof want, "%c%zd", (char)prefix, i + 1);
    if (PyUnicode_GET_LENGTH(s) != n) return 0;
    return PyUnicode_CompareWithASCIIString(s, want) == 0;
}

/* The number K of a reference "<prefix>K" with 1 <= K <= n, or 0 when it is not one. */
static Py_ssize_t ref_number(PyObject *s, Py_UCS4 prefix, Py_ssize_t n) {
    if (!PyUnicode_CheckExact(s)) return 0;
    Py_ssize_t len = PyUnicode_GET_LENGTH(s);
    if (len < 2 || len > 19) return 0;
    int kind = PyUnicode_KIND(s);
    const void *d = PyUnicode_DATA(s);
    if (PyUnicode_READ(kind, d, 0) != prefix || PyUnicode_READ(kind, d, 1) == '0') return 0;
    Py_ssize_t k = 0;
    for (Py_ssize_t j = 1; j < len; j++) {
        Py_UCS4 c = PyUnicode_READ(kind, d, j);
        if (c < '0' || c > '9') return 0;
        k = k * 10 + (Py_ssize_t)(c - '0');
    }
    return k <= n ? k : 0;
}

/* An item's field (borrowed), or NULL: missing, or the item is not a dict. */
static PyObject *field(PyObject *item, PyObject *key) {
    if (!PyDict_CheckExact(item)) return NULL;
    return PyDict_GetItemWithError(item, key);
}

static int as_offset(PyObject *o, Py_ssize_t *out) {
    if (o == NULL || !PyLong_CheckExact(o)) return 0;
    *out = PyLong_AsSsize_t(o);
    if (*out == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* -1 error, 0 not clean, 1 clean: the word and grapheme boundary checks of one offset. */
static int check_offset(PyObject *text, Py_ssize_t o, PyObject *splits) {
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *d = PyUnicode_DATA(text);
    Py_UCS4 before = (o > 0 && o - 1 < size) ? PyUnicode_READ(kind, d, o - 1) : ' ';
    Py_UCS4 after = (o < size) ? PyUnicode_READ(kind, d, o) : ' ';
    if (Py_UNICODE_ISALNUM(before) && Py_UNICODE_ISALNUM(after)) return 0;
    if (0 < o && o < size && (before >= 0x300 || after >= 0x300)) {
        PyObject *r = PyObject_CallFunction(splits, "On", text, o);
        if (r == NULL) return -1;
        int t = PyObject_IsTrue(r);
        Py_DECREF(r);
        if (t < 0) return -1;
        if (t) return 0;
    }
    return 1;
}

/* -1 error, 0 not clean, 1 clean: checks._clean_spans for one item list. */
static int spans_clean(PyObject *items, Py_UCS4 prefix, PyObject *text, PyObject *splits) {
    Py_ssize_t n = PyList_GET_SIZE(items), size = PyUnicode_GET_LENGTH(text);
    Py_ssize_t ps = 0, pe = 0;
    PyObject *pt = NULL, *pty = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(items, i);
        PyObject *id = field(item, k_id), *st = field(item, k_start), *en = field(item, k_end),
                 *t = field(item, k_text), *ty = field(item, k_type);
        if (PyErr_Occurred()) return -1;
        Py_ssize_t s, e;
        if (id == NULL || !is_id(id, prefix, i) || !as_offset(st, &s) || !as_offset(en, &e) ||
            t == NULL || !PyUnicode_CheckExact(t) || ty == NULL || !PyUnicode_CheckExact(ty))
            return 0;
        if (i > 0) { /* strictly increasing (start, end, text, type): sorted, no duplicate */
            int cmp = (s > ps) - (s < ps);
            if (cmp == 0) cmp = (e > pe) - (e < pe);
            if (cmp == 0) cmp = PyUnicode_Compare(pt, t) * -1;
            if (cmp == 0) cmp = PyUnicode_Compare(pty, ty) * -1;
            if (PyErr_Occurred()) return -1;
            if (cmp <= 0) return 0;
        }
        ps = s, pe = e, pt = t, pty = ty;
        Py_ssize_t len = PyUnicode_GET_LENGTH(t);
        if (s < 0 || e > size || len == 0 || len != e - s) return 0;
        Py_ssize_t m = PyUnicode_Tailmatch(text, t, s, e, -1);
        if (m < 0) return -1;
        if (!m) return 0; /* text[start:end] differs from the span's text */
        int tk = PyUnicode_KIND(t);
        const void *td = PyUnicode_DATA(t);
        if (Py_UNICODE_ISSPACE(PyUnicode_READ(tk, td, 0)) ||
            Py_UNICODE_ISSPACE(PyUnicode_READ(tk, td, len - 1)))
            return 0;
        int r = check_offset(text, s, splits);
        if (r != 1) return r;
        r = check_offset(text, e, splits);
        if (r != 1) return r;
    }
    return 1;
}

static int clean(PyObject *data, PyObject *text, PyObject *splits) {
    PyObject *mentions = field(data, k_mentions), *claims = field(data, k_claims),
             *stances = field(data, k_stances);
    if (PyErr_Occurred()) return -1;
    if (mentions == NULL || claims == NULL || stances == NULL || !PyList_CheckExact(mentions) ||
        !PyList_CheckExact(claims) || !PyList_CheckExact(stances))
        return 0;
    int r = spans_clean(mentions, 'm', text, splits);
    if (r != 1) return r;
    r = spans_clean(claims, 'c', text, splits);
    if (r != 1) return r;
    Py_ssize_t nm = PyList_GET_SIZE(mentions), nc = PyList_GET_SIZE(claims),
               ns = PyList_GET_SIZE(stances);
    /* claimant number of each claim (0: none), and whether some claim has no claimant */
    Py_ssize_t *claimant = PyMem_Calloc(nc + 1, sizeof(Py_ssize_t));
    char *stanced = PyMem_Calloc(nc + 1, 1);
    int ok = 1, unattributed = 0;
    if (claimant == NULL || stanced == NULL) {
        PyMem_Free(claimant);
        PyMem_Free(stanced);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; ok && i < nc; i++) {
        PyObject *c = field(PyList_GET_ITEM(claims, i), k_claimant);
        if (c == NULL) ok = 0;  /* missing (or an error, checked below) */
        else if (c == Py_None) unattributed = 1;
        else if (!(claimant[i] = ref_number(c, 'm', nm))) ok = 0;
    }
    Py_ssize_t pc = 0, ph = 0;
    for (Py_ssize_t i = 0; ok && i < ns; i++) {
        PyObject *s = PyList_GET_ITEM(stances, i);
        PyObject *id = field(s, k_id), *h = field(s, k_holder), *c = field(s, k_claim);
        if (id == NULL || h == NULL || c == NULL || !is_id(id, 's', i)) { ok = 0; break; }
        Py_ssize_t hn = ref_number(h, 'm', nm), cn = ref_number(c, 'c', nc);
        if (!hn || !cn || claimant[cn - 1] == hn) { ok = 0; break; } /* self-stance */
        if (i > 0 && (cn < pc || (cn == pc && hn <= ph))) { ok = 0; break; }
        pc = cn, ph = hn;
        stanced[cn - 1] = 1;
    }
    for (Py_ssize_t i = 0; ok && unattributed && i < nc; i++) {
        if (claimant[i] || stanced[i]) continue;
        PyObject *c = PyList_GET_ITEM(claims, i);
        if (field(c, k_claimant) != Py_None) continue;
        PyObject *ty = field(c, k_type);
        if (ty == NULL || !PyUnicode_CheckExact(ty) || PyUnicode_Compare(ty, s_fact) != 0)
            ok = 0;
    }
    PyMem_Free(claimant);
    PyMem_Free(stanced);
    if (PyErr_Occurred()) return -1;
    return ok;
}

/* Colons a re-serialisation of `o` would hold: one per key, plus those inside strings
 * (jsonfile.has_duplicate_keys compares this with the raw text). -1: too deep to count. */
static Py_ssize_t colons(PyObject *o, int depth) {
    if (PyUnicode_CheckExact(o)) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(o), c = 0;
        int kind = PyUnicode_KIND(o);
        const void *d = PyUnicode_DATA(o);
        if (kind == PyUnicode_1BYTE_KIND) {
            const char *p = d, *end = p + n;
            while ((p = memchr(p, ':', (size_t)(end - p))) != NULL) c++, p++;
        } else {
            for (Py_ssize_t i = 0; i < n; i++) c += PyUnicode_READ(kind, d, i) == ':';
        }
        return c;
    }
    if (depth > 1100) return -1;
    Py_ssize_t c = 0;
    if (PyDict_CheckExact(o)) {
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (PyDict_Next(o, &pos, &k, &v)) {
            Py_ssize_t a = colons(k, depth + 1), b = colons(v, depth + 1);
            if (a < 0 || b < 0) return -1;
            c += 1 + a + b;
        }
    } else if (PyList_CheckExact(o)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(o); i++) {
            Py_ssize_t a = colons(PyList_GET_ITEM(o, i), depth + 1);
            if (a < 0) return -1;
            c += a;
        }
    }
    return c; /* numbers, true, false, null */
}

static PyObject *py_colons(PyObject *Py_UNUSED(self), PyObject *o) {
    Py_ssize_t c = colons(o, 0);
    if (c < 0) Py_RETURN_NONE;
    return PyLong_FromSsize_t(c);
}

static PyObject *py_clean(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyCallable_Check(args[0]) || !PyUnicode_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "clean(splits_character, data, text: str)");
        return NULL;
    }
    int r = clean(args[1], args[2], args[0]);
    if (r < 0) return NULL;
    return PyBool_FromLong(r);
}

static PyMethodDef methods[] = {
    {"clean", (PyCFunction)(void (*)(void))py_clean, METH_FASTCALL,
     "clean(splits_character, data, text) -> bool: checks._clean_py, in C."},
    {"colons", py_colons, METH_O,
     "colons(data) -> int | None: orjson.dumps(data).count(b':') without the bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__speedups(void) {
    PyObject **keys[] = {&k_mentions, &k_claims, &k_stances, &k_id, &k_start, &k_end,
                         &k_text, &k_type, &k_claimant, &k_holder, &k_claim, &s_fact};
    const char *names[] = {"mentions", "claims", "stances", "id", "start", "end",
                           "text", "type", "claimant", "holder", "claim", "fact"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        *keys[i] = PyUnicode_InternFromString(names[i]);
        if (*keys[i] == NULL) return NULL;
    }
    return PyModule_Create(&module);
}
