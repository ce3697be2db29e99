import { useId } from 'react'

export default function Newsletter() {
  const emailId = useId()
  const topicId = useId()
  return (
    <form className="newsletter" action="/subscribe" method="post">
      <h2>Newsletter</h2>
      <label htmlFor={emailId}>E-mail</label>
      <input id={emailId} name="email" type="email" placeholder='you@example.com ("real" one)' required />
      <label htmlFor={topicId}>Topic</label>
      <select id={topicId} name="topic" defaultValue="seeds">
        <option value="indoor">Indoor plants</option>
        <option value="seeds">Seeds &amp; sowing</option>
        <option value="bonsai">Bonsai 盆栽</option>
      </select>
      <textarea name="note" defaultValue={'Anything else? <Tell us> & "why"'} rows={3} />
      <label className="inline">
        <input type="checkbox" name="weekly" defaultChecked /> weekly digest
      </label>
      <button type="submit">Subscribe</button>
    </form>
  )
}
