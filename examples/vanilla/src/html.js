// A tiny HTML template helper: html`...` escapes every interpolated value
// unless it is itself html`...` (or raw(...)); arrays are joined; null,
// undefined and false render nothing. attrs() renders attributes from an
// object (null/false left out, true as a bare attribute).

class Html {
  constructor(value) {
    this.value = value
  }

  toString() {
    return this.value
  }
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c])
}

/** Markup that is already HTML: inserted as is. */
export function raw(markup) {
  return new Html(String(markup))
}

function part(value) {
  if (value == null || value === false) return ''
  if (value instanceof Html) return value.value
  if (Array.isArray(value)) return value.map(part).join('')
  return escape(value)
}

export function html(strings, ...values) {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1]
  return new Html(out)
}

const camel = /[A-Z]/g

export function attrs(map) {
  let out = ''
  for (const [name, value] of Object.entries(map)) {
    if (value == null || value === false) continue
    const key = name.replace(camel, (c) => '-' + c.toLowerCase())
    out += value === true ? ` ${key}` : ` ${key}="${escape(value)}"`
  }
  return raw(out)
}
