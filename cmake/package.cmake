# `cpack -G DEB` (or `cmake --build build --target package`) builds duet_VERSION_ARCH.deb:
# what cmake/install.cmake installs, under /usr, plus the `deb` component:
# /etc/duet/duetd.toml (a conffile) and /lib/systemd/system/duetd.service.
# DynamicUser= in the unit creates the user at start, so no maintainer scripts.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME duet)
set(CPACK_PACKAGE_VENDOR "the duet authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
# Lines of at most 80 characters: dpkg shows them as they are.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "duetd introduces two browsers to each other for a live audio/video call or a"
  "shared screen: it serves the call pages, relays the few WebRTC signaling"
  "messages over a WebSocket, hands out STUN/TURN servers with time-limited TURN"
  "credentials, and answers /healthz and Prometheus /metrics. The media flows"
  "from browser to browser.")
# Installed with DESTDIR set to the staging tree, so the absolute destinations (the `deb`
# component's /etc and /lib) land there too, never on the building machine; the prefix
# is then CPACK_INSTALL_PREFIX, not the build's CMAKE_INSTALL_PREFIX (/usr/local).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};duet;ALL;/;${PROJECT_BINARY_DIR};duet;deb;/")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${DUET_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${DUET_PACKAGE_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
