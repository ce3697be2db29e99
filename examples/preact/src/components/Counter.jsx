import { useEffect, useId, useState } from 'preact/hooks'

// Only works after hydration: the server renders the initial state, and the
// click handler and the effect exist only in the browser.
export function Counter({ label }) {
  const id = useId()
  const [count, setCount] = useState(0)
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  return (
    <div class="counter">
      <label for={id}>{label}</label>
      <button id={id} type="button" onClick={() => setCount((c) => c + 1)} disabled={!hydrated}>
        {/* one text node: Preact's SSR output has no separators between adjacent texts */}
        {`count is ${count}`}
      </button>
      <span class="hydration" data-hydrated={hydrated ? 'yes' : 'no'}>
        {hydrated ? 'interactive' : 'server-rendered (not interactive yet)'}
      </span>
    </div>
  )
}
