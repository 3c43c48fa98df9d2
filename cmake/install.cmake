# `cmake --install build --prefix P` lays out P/bin/duetd, the call pages in
# P/share/duet/public/, the documentation and sample configurations in P/share/doc/duet/
# and duetd(8) (cmake/man_page.cmake). duetd finds P/share/duet/public from its own path
# (config::default_public_dir), so P/bin/duetd started with no flag serves the pages.
install(TARGETS duetd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/public/ DESTINATION ${CMAKE_INSTALL_DATADIR}/duet/public)

# The documentation keeps the repository's layout (README.md links docs/protocol.md and
# config/nginx-tls.conf), so its links still work in share/doc/duet/.
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB duet_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${duet_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(FILES
  ${PROJECT_SOURCE_DIR}/config/duetd.toml
  ${PROJECT_SOURCE_DIR}/config/nginx-tls.conf
  ${PROJECT_SOURCE_DIR}/config/nginx.conf
  ${PROJECT_SOURCE_DIR}/config/coturn.conf
  ${PROJECT_SOURCE_DIR}/packaging/duetd.service
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/config)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/snippets DESTINATION ${CMAKE_INSTALL_DOCDIR}/config)

# Debian's copyright file (the LICENSE text in the machine-readable format) and changelog,
# both required in every package's doc folder; installed by `cmake --install` too. The
# maintainer and homepage also fill the package's control file (cmake/package.cmake).
set(DUET_PACKAGE_MAINTAINER "duet maintainers <maintainers@users.noreply.r-seed-bb25beb0.example>"
  CACHE STRING "Maintainer of the Debian package")
set(DUET_PACKAGE_HOMEPAGE "https://duet.example.org/" CACHE STRING "Homepage of the Debian package")
file(READ ${PROJECT_SOURCE_DIR}/LICENSE duet_license)
string(REGEX REPLACE "^.*(Permission is hereby)" "\\1" duet_license "${duet_license}")
string(REGEX REPLACE "\n+$" "" duet_license "${duet_license}")
string(REGEX REPLACE "\n\n" "\n.\n" duet_license "${duet_license}")
string(REGEX REPLACE "\n" "\n " duet_license "${duet_license}")
configure_file(${PROJECT_SOURCE_DIR}/packaging/copyright.in ${PROJECT_BINARY_DIR}/packaging/copyright @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/packaging/changelog.in ${PROJECT_BINARY_DIR}/packaging/changelog @ONLY)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/packaging/changelog.gz
  COMMAND gzip -9nkf ${PROJECT_BINARY_DIR}/packaging/changelog
  DEPENDS ${PROJECT_BINARY_DIR}/packaging/changelog
  VERBATIM)
add_custom_target(duet_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/packaging/changelog.gz)
install(FILES ${PROJECT_BINARY_DIR}/packaging/copyright ${PROJECT_BINARY_DIR}/packaging/changelog.gz
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Only in the Debian package (cmake/package.cmake asks for the `deb` component): files at
# absolute paths outside the prefix, which `cmake --install --prefix P` must not write to
# the machine. /lib, not /usr/lib: Debian 12 keeps units there (usrmerge aliasing).
install(FILES ${PROJECT_SOURCE_DIR}/config/duetd.toml DESTINATION /etc/duet COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/duetd.service DESTINATION /lib/systemd/system
  COMPONENT deb EXCLUDE_FROM_ALL)
