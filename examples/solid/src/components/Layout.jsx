import Header from './Header.jsx'
import Footer from './Footer.jsx'

export default function Layout(props) {
  return (
    <div class="layout">
      <Header current={props.current} />
      <main id="content" class="content">
        {props.children}
      </main>
      <Footer />
    </div>
  )
}
