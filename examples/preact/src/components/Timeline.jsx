export function Timeline({ milestones }) {
  return (
    <ol class="timeline">
      {milestones.map(({ year, text }, i) => (
        <li key={year} class={i % 2 ? 'odd' : 'even'}>
          <time dateTime={String(year)}>{year}</time>
          <span>{text}</span>
        </li>
      ))}
    </ol>
  )
}
