# `cpack -G DEB` (or `cmake --build build --target package`) builds duet_VERSION_ARCH.deb:
# what cmake/install.cmake installs, under /usr, plus the `deb` component:
# /etc/duet/duetd.toml (a conffile) and /lib/systemd/system/duetd.service.
# DynamicUser= in the unit creates the user at start, so no maintainer scripts.
set(DUET_PACKAGE_MAINTAINER "duet maintainers <maintainers@users.noreply.r-seed-bb25beb0.example>"
  CACHE STRING "Maintainer field of the Debian package")
set(DUET_PACKAGE_HOMEPAGE "https://duet.example.org/" CACHE STRING "Homepage field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME duet)
set(CPACK_PACKAGE_VENDOR "the duet authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION "duetd introduces two browsers to each other for a live audio/video \
call or a shared screen: it serves the call pages, relays the few WebRTC signaling \
messages over a WebSocket, hands out STUN/TURN servers with time-limited TURN \
credentials, and exposes /healthz and Prometheus /metrics. The media flows browser \
to browser.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Absolute destinations (the `deb` component's /etc and /lib) go into the package's
# staging tree, not onto the building machine.
set(CPACK_SET_DESTDIR ON)
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
