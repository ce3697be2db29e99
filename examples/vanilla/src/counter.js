// The browser half of Counter (components/Counter.js): the server renders
// the button disabled with "count is 0"; this makes it count.
export function setupCounter(element) {
  const button = element.querySelector('button')
  const state = element.querySelector('[data-hydrated]')
  let count = 0
  const setCount = (n) => {
    count = n
    button.textContent = `count is ${count}`
  }
  button.addEventListener('click', () => setCount(count + 1))
  button.disabled = false
  state.dataset.hydrated = 'yes'
  state.textContent = 'interactive'
}
