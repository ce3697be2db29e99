import Header from './Header.jsx'
import Footer from './Footer.jsx'

export default function Layout({ current, children }) {
  return (
    <div className="layout">
      <Header current={current} />
      <main id="content" className="content">
        {children}
      </main>
      <Footer />
    </div>
  )
}
