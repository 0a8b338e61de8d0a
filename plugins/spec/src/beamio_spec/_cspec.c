/* The two loops that read a SPEC scan, compiled: sorting a block's lines, and numbers from text.
 *
 * Both do exactly what their Python twins in _lines.py and _numbers.py do (the tests run
 * both on the corpus and on generated text and compare). They only ever do the common,
 * well-formed case; anything else (a token that is not a number) returns None and the
 * Python code takes over with its lenient rules and diagnostics.
 *
 * Numbers are correctly rounded float64: a token of at most 19 significant digits whose
 * mantissa fits in 53 bits and whose decimal exponent is within +-22 is one exact
 * multiplication or division (Clinger's fast path); every other token goes to CPython's
 * own PyOS_string_to_double, the function float() uses.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static const double POWERS_OF_TEN[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The whitespace of bytes.split(): space, \t, \n, \r, \v, \f. */
static inline int is_space(unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int is_digit(unsigned char c) { return (unsigned char)(c - '0') < 10; }

/* The token [s, e) through CPython's parser; 0 and *out on success, -1 if it is not a number. */
static int parse_slow(const char *s, const char *e, double *out) {
    char local[128];
    Py_ssize_t n = e - s;
    char *buffer = n < (Py_ssize_t)sizeof(local) ? local : PyMem_Malloc(n + 1);
    if (buffer == NULL) {
        return -1;
    }
    memcpy(buffer, s, n);
    buffer[n] = '\0';
    char *end = NULL;
    double value = PyOS_string_to_double(buffer, &end, NULL);
    int ok = !(value == -1.0 && PyErr_Occurred()) && end == buffer + n;
    if (PyErr_Occurred()) {
        PyErr_Clear();
    }
    if (buffer != local) {
        PyMem_Free(buffer);
    }
    if (!ok) {
        return -1;
    }
    *out = value;
    return 0;
}

/* One token [s, e) as a double: 0 and *out on success, -1 if it is not a number. */
static int parse_number(const char *s, const char *e, double *out) {
    const char *p = s;
    int negative = 0, digits = 0, seen = 0, exponent = 0;
    uint64_t mantissa = 0;
    if (p < e && (*p == '+' || *p == '-')) {
        negative = *p == '-';
        p++;
    }
    for (; p < e && is_digit(*p); p++, seen = 1) {
        if (digits >= 19) {
            return parse_slow(s, e, out);
        }
        mantissa = mantissa * 10 + (uint64_t)(*p - '0');
        digits += mantissa != 0;
    }
    if (p < e && *p == '.') {
        for (p++; p < e && is_digit(*p); p++, seen = 1) {
            if (digits >= 19) {
                return parse_slow(s, e, out);
            }
            mantissa = mantissa * 10 + (uint64_t)(*p - '0');
            digits += mantissa != 0;
            exponent--;
        }
    }
    if (!seen) {
        return parse_slow(s, e, out); /* nan, inf, or not a number */
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        int negative_exponent = 0, value = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-')) {
            negative_exponent = *p == '-';
            p++;
        }
        if (p == e || !is_digit(*p)) {
            return -1;
        }
        for (; p < e && is_digit(*p); p++) {
            if (value > 100000) {
                return parse_slow(s, e, out);
            }
            value = value * 10 + (*p - '0');
        }
        exponent += negative_exponent ? -value : value;
    }
    if (p != e) {
        return parse_slow(s, e, out); /* 1_000 and other spellings float() may know */
    }
    if (mantissa > ((uint64_t)1 << 53) || exponent > 22 || exponent < -22) {
        return parse_slow(s, e, out);
    }
    double value = (double)mantissa;
    value = exponent < 0 ? value / POWERS_OF_TEN[-exponent] : value * POWERS_OF_TEN[exponent];
    *out = negative ? -value : value;
    return 0;
}

/* parse_rows(items) -> (values: bytearray of float64, counts: bytearray of int64) | None */
static PyObject *parse_rows(PyObject *self, PyObject *items) {
    PyObject *sequence = PySequence_Fast(items, "parse_rows() takes a sequence of bytes");
    if (sequence == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(sequence);
    PyObject **objects = PySequence_Fast_ITEMS(sequence);
    Py_ssize_t capacity = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyBytes_Check(objects[i])) {
            Py_DECREF(sequence);
            PyErr_SetString(PyExc_TypeError, "parse_rows() takes a sequence of bytes");
            return NULL;
        }
        capacity += (PyBytes_GET_SIZE(objects[i]) + 1) / 2; /* a number and a space: two bytes */
    }
    PyObject *values = PyByteArray_FromStringAndSize(NULL, capacity * (Py_ssize_t)sizeof(double));
    PyObject *counts = PyByteArray_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int64_t));
    if (values == NULL || counts == NULL) {
        goto fail;
    }
    double *out = (double *)PyByteArray_AS_STRING(values);
    int64_t *count = (int64_t *)PyByteArray_AS_STRING(counts);
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *p = PyBytes_AS_STRING(objects[i]);
        const char *end = p + PyBytes_GET_SIZE(objects[i]);
        Py_ssize_t before = total;
        while (1) {
            while (p < end && is_space((unsigned char)*p)) {
                p++;
            }
            if (p == end) {
                break;
            }
            const char *start = p;
            while (p < end && !is_space((unsigned char)*p)) {
                p++;
            }
            if (parse_number(start, p, &out[total]) < 0) {
                Py_DECREF(values);
                Py_DECREF(counts);
                Py_DECREF(sequence);
                Py_RETURN_NONE;
            }
            total++;
        }
        count[i] = total - before;
    }
    Py_DECREF(sequence);
    if (PyByteArray_Resize(values, total * (Py_ssize_t)sizeof(double)) < 0) {
        Py_DECREF(values);
        Py_DECREF(counts);
        return NULL;
    }
    return Py_BuildValue("(NN)", values, counts);
fail:
    Py_XDECREF(values);
    Py_XDECREF(counts);
    Py_DECREF(sequence);
    return NULL;
}

static int append_new(PyObject *list, PyObject *item) {
    if (item == NULL) {
        return -1;
    }
    int status = PyList_Append(list, item);
    Py_DECREF(item);
    return status;
}

/* A spectrum's values: continuation lines joined by one space (their final backslash, and a
 * \r before the newline, dropped), trailing \r removed, as _lines.split_block does it. */
static PyObject *spectrum_values(const char *start, const char *data_end,
                                 const char **next, Py_ssize_t *continued) {
    Py_ssize_t size = 0;
    const char *p = start;
    *continued = 0;
    while (1) {
        const char *newline = memchr(p, '\n', data_end - p);
        const char *line_end = newline ? newline : data_end;
        const char *content_end = line_end;
        if (newline && content_end > p && content_end[-1] == '\r') {
            content_end--;
        }
        if (newline && content_end > p && content_end[-1] == '\\') {
            size += (content_end - 1 - p) + 1;
            (*continued)++;
            p = newline + 1;
            continue;
        }
        size += line_end - p;
        *next = newline ? newline + 1 : data_end;
        break;
    }
    PyObject *text = PyBytes_FromStringAndSize(NULL, size);
    if (text == NULL) {
        return NULL;
    }
    char *out = PyBytes_AS_STRING(text);
    p = start;
    for (Py_ssize_t line = 0; line <= *continued; line++) {
        const char *newline = memchr(p, '\n', data_end - p);
        const char *line_end = newline ? newline : data_end;
        if (line < *continued) {
            const char *content_end = line_end;
            if (content_end[-1] == '\r') {
                content_end--;
            }
            memcpy(out, p, content_end - 1 - p);
            out += content_end - 1 - p;
            *out++ = ' ';
            p = newline + 1;
        } else {
            memcpy(out, p, line_end - p);
            out += line_end - p;
        }
    }
    Py_ssize_t length = out - PyBytes_AS_STRING(text);
    while (length > 0 && PyBytes_AS_STRING(text)[length - 1] == '\r') {
        length--;
    }
    if (length != size && _PyBytes_Resize(&text, length) < 0) {
        return NULL;
    }
    return text;
}

/* split_block(data, first_line) -> (headers, rows, row_lines, spectra)
 *   headers: [(line, number, rows before it or None)], rows: [bytes], row_lines: [int],
 *   spectra: [(id, number, values)] */
static PyObject *split_block(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t number;
    if (!PyArg_ParseTuple(args, "y*n", &view, &number)) {
        return NULL;
    }
    PyObject *headers = PyList_New(0), *rows = PyList_New(0), *row_lines = PyList_New(0);
    PyObject *spectra = PyList_New(0);
    if (headers == NULL || rows == NULL || row_lines == NULL || spectra == NULL) {
        goto fail;
    }
    const char *p = view.buf;
    const char *end = p + view.len;
    while (p < end) {
        const char *newline = memchr(p, '\n', end - p);
        const char *next = newline ? newline + 1 : end;
        const char *line_end = newline ? newline : end;
        if (*p == '@') {
            const char *q = p + 1;
            while (q < line_end && !is_space((unsigned char)*q)) {
                q++;
            }
            PyObject *id = PyUnicode_DecodeUTF8(p + 1, q - p - 1, "surrogateescape");
            if (q < line_end && (*q == ' ' || *q == '\t')) {
                q++;
            }
            Py_ssize_t continued;
            PyObject *values = spectrum_values(q, end, &next, &continued);
            if (id == NULL || values == NULL) {
                Py_XDECREF(id);
                Py_XDECREF(values);
                goto fail;
            }
            if (append_new(spectra, Py_BuildValue("(NnN)", id, number, values)) < 0) {
                goto fail;
            }
            number += continued + 1;
            p = next;
            continue;
        }
        if (line_end > p && line_end[-1] == '\r') {
            line_end--;
        }
        if (*p == '#') {
            Py_ssize_t before = PyList_GET_SIZE(rows);
            PyObject *item = before ? Py_BuildValue("(y#nn)", p, (Py_ssize_t)(line_end - p), number, before)
                                    : Py_BuildValue("(y#nO)", p, (Py_ssize_t)(line_end - p), number, Py_None);
            if (append_new(headers, item) < 0) {
                goto fail;
            }
        } else {
            const char *q = p;
            while (q < line_end && is_space((unsigned char)*q)) {
                q++;
            }
            if (q < line_end) {
                if (append_new(rows, PyBytes_FromStringAndSize(p, line_end - p)) < 0 ||
                    append_new(row_lines, PyLong_FromSsize_t(number)) < 0) {
                    goto fail;
                }
            }
        }
        number++;
        p = next;
    }
    PyBuffer_Release(&view);
    return Py_BuildValue("(NNNN)", headers, rows, row_lines, spectra);
fail:
    PyBuffer_Release(&view);
    Py_XDECREF(headers);
    Py_XDECREF(rows);
    Py_XDECREF(row_lines);
    Py_XDECREF(spectra);
    return NULL;
}

static PyMethodDef methods[] = {
    {"parse_rows", parse_rows, METH_O,
     "parse_rows(items) -> (values, counts) | None: every number of each bytes item, as float64."},
    {"split_block", split_block, METH_VARARGS,
     "split_block(data, first_line) -> (headers, rows, row_lines, spectra): a SPEC block's lines by kind."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cspec", "The compiled loops of the SPEC reader.", -1, methods,
};

PyMODINIT_FUNC PyInit__cspec(void) { return PyModule_Create(&module); }
