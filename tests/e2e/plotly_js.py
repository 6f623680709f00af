"""JavaScript snippets shared by the browser tests: reading a plotly figure's arrays in the page."""

# plotly.py 6+ sends numpy arrays as {dtype, bdata} (base64) objects; plotly.js may keep that object
# in ``gd.data`` (or a typed array, or a plain list). ``JS_PLAIN`` turns any of them into a plain list.
JS_PLAIN = """(a) => {
  if (a == null) return null;
  if (ArrayBuffer.isView(a)) return Array.from(a);
  if (a.bdata !== undefined) {
    const bin = atob(a.bdata), bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const T = {f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
               u2: Uint16Array, i1: Int8Array, u1: Uint8Array}[a.dtype];
    return T ? Array.from(new T(bytes.buffer)) : null;
  }
  return a;
}"""
