import { useEffect, useId, useState } from 'react'

// Only works after hydration: the server renders the initial state, and the
// click handler and the effect exist only in the browser.
export default function Counter({ label }) {
  const id = useId()
  const [count, setCount] = useState(0)
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  return (
    <div className="counter">
      <label htmlFor={id}>{label}</label>
      <button id={id} type="button" onClick={() => setCount((c) => c + 1)} disabled={!hydrated}>
        count is {count}
      </button>
      <span className="hydration" data-hydrated={hydrated ? 'yes' : 'no'}>
        {hydrated ? 'interactive' : 'server-rendered (not interactive yet)'}
      </span>
    </div>
  )
}
