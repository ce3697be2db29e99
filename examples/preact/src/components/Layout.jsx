import { Header } from './Header'
import { Footer } from './Footer'

export function Layout({ current, children }) {
  return (
    <div class="layout">
      <Header current={current} />
      <main id="content" class="content">
        {children}
      </main>
      <Footer />
    </div>
  )
}
