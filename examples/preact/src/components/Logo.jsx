export function Logo({ size }) {
  return (
    <svg class="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="6" fill="#1f6feb" />
      <path
        d="M9 22V10h4l3 6 3-6h4v12h-3v-7l-4 7-4-7v7z"
        fill="#fff"
        stroke-width={0.5}
        stroke-linejoin="round"
      />
    </svg>
  )
}
