import { createSignal, createUniqueId, onMount } from 'solid-js'

// Only works after hydration: the server renders the initial state, and the
// click handler and onMount run only in the browser.
export default function Counter(props) {
  const id = createUniqueId()
  const [count, setCount] = createSignal(0)
  const [hydrated, setHydrated] = createSignal(false)
  onMount(() => setHydrated(true))
  return (
    <div class="counter">
      <label for={id}>{props.label}</label>
      <button id={id} type="button" onClick={() => setCount((c) => c + 1)} disabled={!hydrated()}>
        count is {count()}
      </button>
      <span class="hydration" data-hydrated={hydrated() ? 'yes' : 'no'}>
        {hydrated() ? 'interactive' : 'server-rendered (not interactive yet)'}
      </span>
    </div>
  )
}
