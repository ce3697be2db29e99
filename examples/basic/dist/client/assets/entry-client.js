// The client entry: the server already sent the page's markup, this makes it
// interactive ("hydration").  Until it runs, the counter does nothing.
const app = document.getElementById('app');

if (!app.firstElementChild) {
  // SSRFallback csr sent the template with an empty outlet: render here.
  app.innerHTML =
    '<main><h1>Rendered in the browser</h1>' +
    '<p>The server could not render this page.</p>' +
    '<button id="counter" type="button">count is 0</button></main>';
}

const button = document.getElementById('counter');
let count = 0;
button.addEventListener('click', () => {
  count += 1;
  button.textContent = `count is ${count}`;
});
document.documentElement.dataset.hydrated = 'true';
