import { useSSRContext } from 'vue'

// A small head helper. A page calls useHead({ title, description, canonical })
// in its setup: on the server the tags go on the SSR context (entry-server
// renders them into <!--app-head-->), in the browser the title is kept in step.
export function useHead(head) {
  if (import.meta.env.SSR) {
    useSSRContext().head = head
  } else if (document.title !== head.title) {
    document.title = head.title
  }
}

const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => escapes[c])
}

export function renderHead(head) {
  if (!head) return ''
  let tags = `<title>${escapeHtml(head.title)}</title>`
  if (head.description) tags += `<meta name="description" content="${escapeHtml(head.description)}">`
  tags += `<meta property="og:title" content="${escapeHtml(head.title)}">`
  if (head.canonical) tags += `<link rel="canonical" href="${escapeHtml(head.canonical)}">`
  return tags
}
